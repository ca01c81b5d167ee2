"""A competition's rules (Markdown, versioned) and the participants' acceptances."""
