import type { Align, Table } from "./types.js";

/** A Markdown table (readable in a terminal, pasteable into an issue). */
export function renderTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const alignOf = (i: number): Align => table.align?.[i] ?? (i === 0 ? "left" : "right");
  const cell = (text: string, i: number): string => {
    const w = widths[i] ?? text.length;
    return alignOf(i) === "left" ? text.padEnd(w) : text.padStart(w);
  };
  const line = (cells: readonly string[]): string => `| ${table.columns.map((_, i) => cell(cells[i] ?? "", i)).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (alignOf(i) === "left" ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  const out = [`### ${table.title}`, "", line(table.columns), rule, ...table.rows.map(line)];
  if (table.notes !== undefined && table.notes.length > 0) out.push("", ...table.notes);
  return out.join("\n");
}
