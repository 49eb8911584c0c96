/** @jsxImportSource hono/jsx/dom */
import { render } from "hono/jsx/dom";

function Console() {
  return <p>Loading…</p>;
}

const root = document.getElementById("console");
if (root) render(<Console />, root);
