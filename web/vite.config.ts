// Vite builds the single-page app into dist/ (served by the gateway at /).
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@": "/src" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    // the board, host console and Markdown renderer load on demand; the first page stays small
    chunkSizeWarningLimit: 300,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
});
