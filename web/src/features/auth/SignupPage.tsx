// Sign up: a username, an e-mail and a password; the API's messages sit next to the field.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { storeToken } from "@/api/auth";
import { api, call } from "@/api/client";
import { ApiError } from "@/api/problem";
import { switchUser } from "@/api/queries";
import { ErrorNotice, Field } from "@/components/ui";

export function SignupPage() {
  const [form, setForm] = useState({ username: "", email: "", password: "" });
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const signUp = useMutation({
    mutationFn: () => {
      storeToken(null);
      return call(api.POST("/api/v1/auth/signup", { body: { ...form, username: form.username.trim(), email: form.email.trim() } }));
    },
    onSuccess: (me) => {
      switchUser(qc, me);
      navigate("/");
    },
  });
  const errors = signUp.error instanceof ApiError ? signUp.error.fieldErrors() : {};
  const field = (name: "username" | "email" | "password", label: string, type: string, auto: string, hint?: string) => (
    <Field label={label} name={`signup-${name}`} error={errors[name]} hint={hint}>
      {(id, d) => (
        <input id={id} aria-describedby={d} aria-invalid={!!errors[name]} type={type} autoComplete={auto} required
          value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
      )}
    </Field>
  );
  return (
    <section className="narrow">
      <h1>Sign up</h1>
      <form aria-label="Sign up" onSubmit={(e) => { e.preventDefault(); signUp.mutate(); }}>
        {field("username", "Username", "text", "username", "Letters, digits, '_', '.', '-'.")}
        {field("email", "E-mail", "email", "email")}
        {field("password", "Password", "password", "new-password", "At least 8 characters, not a common password.")}
        {Object.keys(errors).length === 0 && <ErrorNotice error={signUp.error} />}
        <button type="submit" disabled={signUp.isPending}>Create account</button>
      </form>
      <p>Have an account? <Link href="/login">Log in</Link>.</p>
    </section>
  );
}
