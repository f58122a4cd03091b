/**
 * Input history of this kernel session (history_request: tail, range, search), kept in memory.
 * Entries are (session, line, input) or (session, line, [input, output]) with `output: true`;
 * the session number is 1 (this process). A restart is a new process with an empty history, as
 * the front-ends keep their own.
 */
type Entry = { line: number; input: string; output: string | null };
type Row = [number, number, string | [string, string | null]];

const SESSION = 1;

/** A glob pattern (`*`, `?`, as IPython's history search) as a RegExp over the whole input. */
function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (const ch of pattern) {
    if (ch === "*") re += "[\\s\\S]*";
    else if (ch === "?") re += "[\\s\\S]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export class History {
  private readonly entries: Entry[] = [];

  add(line: number, input: string): void {
    this.entries.push({ line, input, output: null });
  }

  setOutput(line: number, output: string | null): void {
    const e = this.entries.find((x) => x.line === line);
    if (e) e.output = output;
  }

  private row(e: Entry, output: boolean): Row {
    return [SESSION, e.line, output ? [e.input, e.output] : e.input];
  }

  /** The `history` list of a history_reply for a request's content. */
  query(c: { [k: string]: unknown }): Row[] {
    const output = c.output === true;
    const type = String(c.hist_access_type ?? "tail");
    const n = typeof c.n === "number" && c.n > 0 ? c.n : null;
    let list: Entry[];
    if (type === "tail") {
      list = n === null ? this.entries.slice() : this.entries.slice(-n);
    } else if (type === "range") {
      const session = typeof c.session === "number" ? c.session : 0;
      // Session 0 or a negative offset means this session (IPython: relative to the current one).
      if (session !== SESSION && session > 0) return [];
      const start = typeof c.start === "number" ? c.start : 0;
      const stop = typeof c.stop === "number" && c.stop > 0 ? c.stop : Infinity;
      list = this.entries.filter((e) => e.line >= start && e.line < stop);
    } else if (type === "search") {
      const re = globToRegExp(String(c.pattern ?? "*"));
      list = this.entries.filter((e) => re.test(e.input));
      if (c.unique === true) {
        const seen = new Set<string>();
        const rev: Entry[] = [];
        for (let i = list.length - 1; i >= 0; i--) {
          if (seen.has(list[i].input)) continue;
          seen.add(list[i].input);
          rev.push(list[i]);
        }
        list = rev.reverse();
      }
      if (n !== null) list = list.slice(-n);
    } else {
      return [];
    }
    return list.map((e) => this.row(e, output));
  }
}
