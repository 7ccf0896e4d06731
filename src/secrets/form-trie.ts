/**
 * The forms of the secrets held (secret-forms.ts), in a radix tree: what the redactor scrubs with.
 *
 * One regular expression of every form held (what the redactor used before) cost, per log line, time
 * in proportion to the number of forms held, and was built again, in proportion to them too, each
 * time the set held changed, that is at every request with its caller's token: with 100 requests or
 * SSE streams running, each holding a token, a request's one log line cost 0.3 s of CPU, 5 s with
 * 1,000. Here holding and releasing a form costs its length, whatever else is held, and scrubbing a
 * line costs, at each of its characters, a walk down the one branch that its next characters spell:
 * about the line's length in all, however many forms are held.
 *
 * What is replaced is what that expression replaced: leftmost first, the longest form held there,
 * then on after it.
 */

interface Node {
  /** The characters on the edge to this node (empty for the root). */
  label: string;
  /** Children by the first character of their label; null when none. */
  children: Map<number, Node> | null;
  /** The secrets held with the form that ends here (0: no form held ends here). */
  holders: number;
  /** Whether that form is scrubbed from serialised JSON too (secret-forms.ts `breaksJson`). */
  inJson: boolean;
}

export interface FormTrie {
  /** One more holder of `form` (its `inJson` is the same for each holder: it depends on the form alone). */
  add(form: string, inJson: boolean): void;
  /** One holder less of `form`. */
  remove(form: string): void;
  /** `text` with every form held (in JSON, those `inJson`) replaced by `replacement`, leftmost first, longest. */
  replace(text: string, replacement: string, inJson: boolean): string;
}

const node = (label: string, holders: number, inJson: boolean): Node => ({ label, children: null, holders, inJson });

export function createFormTrie(): FormTrie {
  const root = node('', 0, false);
  /** The first characters of the forms held (the root's children), for a line's characters to be passed at a glance. */
  const starts = new Uint8Array(0x10000);

  /** The end of the longest form held that starts at `start` in `text`, or -1. */
  const longestAt = (text: string, start: number, inJson: boolean): number => {
    let at: Node = root;
    let i = start;
    let end = -1;
    for (;;) {
      const next = at.children?.get(text.charCodeAt(i));
      if (next === undefined || !text.startsWith(next.label, i)) return end;
      i += next.label.length;
      at = next;
      if (at.holders > 0 && (at.inJson || !inJson)) end = i;
    }
  };

  return {
    add(form, inJson) {
      if (form === '') return;
      let at = root;
      let i = 0;
      for (;;) {
        if (i === form.length) {
          at.holders++;
          at.inJson = inJson;
          return;
        }
        const first = form.charCodeAt(i);
        const next = at.children?.get(first);
        if (next === undefined) {
          (at.children ??= new Map()).set(first, node(form.slice(i), 1, inJson));
          if (at === root) starts[first] = 1;
          return;
        }
        const { label } = next;
        let common = 1;
        while (common < label.length && label.charCodeAt(common) === form.charCodeAt(i + common)) common++;
        if (common < label.length) {
          // The form leaves (or ends inside) the edge: split it where it does.
          const head = node(label.slice(0, common), 0, false);
          head.children = new Map([[label.charCodeAt(common), next]]);
          next.label = label.slice(common);
          at.children!.set(first, head);
          at = head;
        } else at = next;
        i += common;
      }
    },

    remove(form) {
      const path: Node[] = [root];
      let at = root;
      for (let i = 0; i < form.length;) {
        const next = at.children?.get(form.charCodeAt(i));
        if (next === undefined || !form.startsWith(next.label, i)) return; // not held
        i += next.label.length;
        path.push((at = next));
      }
      if (at.holders === 0 || --at.holders > 0 || path.length === 1) return;
      const gone = prune(path);
      if (gone !== null) starts[gone] = 0;
    },

    replace(text, replacement, inJson) {
      if (root.children === null) return text;
      let out = '';
      let copied = 0;
      const length = text.length;
      for (let i = 0; i < length;) {
        if (starts[text.charCodeAt(i)] === 0) {
          i++;
          continue;
        }
        const end = longestAt(text, i, inJson);
        if (end === -1) i++;
        else {
          out += text.slice(copied, i) + replacement;
          copied = i = end;
        }
      }
      return copied === 0 ? text : out + text.slice(copied);
    },
  };
}

/**
 * After the last holder of the form ending at `path`'s last node left: that node goes if it leads
 * nowhere, and a node left with no form and one child is merged with it, so that the tree keeps one
 * node or two per form held and none for forms released. Returns the first character of a child of
 * the root that went, else null.
 */
function prune(path: Node[]): number | null {
  for (let depth = path.length - 1; depth > 0; depth--) {
    const at = path[depth]!;
    const parent = path[depth - 1]!;
    if (at.holders > 0) return null;
    const key = at.label.charCodeAt(0);
    const children = at.children?.size ?? 0;
    if (children === 0) {
      parent.children!.delete(key);
      if (parent.children!.size === 0) parent.children = null;
      if (depth === 1) return key;
      continue; // the parent may now be a node to merge or drop
    }
    if (children === 1) {
      const only = at.children!.values().next().value!;
      only.label = at.label + only.label;
      parent.children!.set(key, only);
    }
    return null;
  }
  return null;
}
