/**
 * The JSON editor of the Settings page: CodeMirror 6 editing the HuJSON text as it is (comments
 * and formatting are the user's own), highlighted with CodeMirror's JSON mode (which knows
 * `//` and block comments), syntax errors marked as you type, and the server's validation
 * problems marked where their paths point.
 *
 * The editor lives in a shadow root: there CodeMirror's styles go into a constructed style
 * sheet, which the page's Content-Security-Policy (`style-src 'self'`, no inline `<style>`)
 * allows; in the document itself it would need an inline `<style>` element.
 */
import { defaultKeymap, history, historyKeymap, toggleComment } from '@codemirror/commands';
import { HighlightStyle, StreamLanguage, bracketMatching, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { json } from '@codemirror/legacy-modes/mode/javascript';
import { type Diagnostic, forceLinting, lintGutter, lintKeymap, linter } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { EditorState, StateEffect, StateField } from '@codemirror/state';
import { tags } from '@lezer/highlight';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { html } from 'htm/preact';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import type { VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** A problem to mark in the text. */
export interface EditorProblem {
  readonly from: number;
  readonly to: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/**
 * HuJSON: CodeMirror's JSON mode, object keys told apart from string values, and `//` and block
 * comments for the toggle-comment command.
 */
const hujson = StreamLanguage.define({
  ...json,
  tokenTable: { property: tags.propertyName },
  languageData: { ...(json.languageData ?? {}), commentTokens: { line: '//', block: { open: '/*', close: '*/' } } },
});

/** Colours of the JSON editor (readable on white, WCAG AA). */
const highlight = HighlightStyle.define([
  { tag: tags.propertyName, color: '#0b4f8a' },
  { tag: tags.string, color: '#1e6b2a' },
  { tag: tags.number, color: '#9a3d00' },
  { tag: [tags.bool, tags.null, tags.atom, tags.keyword], color: '#7a2c9e' },
  { tag: tags.comment, color: '#5f6b76', fontStyle: 'italic' },
  { tag: tags.invalid, color: '#c92a2a' },
]);

/** Size and fonts of the editor (set here: app.css does not reach into the shadow root). */
const theme = EditorView.theme({
  '&': { height: 'min(65vh, 44rem)', fontSize: '0.9rem', backgroundColor: '#fff' },
  '.cm-scroller': { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace" },
  '&.cm-focused': { outline: '3px solid #6ea8e6' },
  '.cm-gutters': { backgroundColor: '#f3f5f7', color: '#5f6b76', borderRight: '1px solid #dde1e6' },
});

const setProblems = StateEffect.define<readonly EditorProblem[]>();

/** The server's problems, moved along with the user's edits. */
const problemsField = StateField.define<readonly EditorProblem[]>({
  create: () => [],
  update(value, tr) {
    for (const e of tr.effects) if (e.is(setProblems)) return e.value;
    if (!tr.docChanged) return value;
    return value.map((p) => {
      const from = tr.changes.mapPos(p.from, 1);
      return { ...p, from, to: Math.max(from, tr.changes.mapPos(p.to, -1)) };
    });
  },
});

/** Syntax errors of HuJSON text (JSON with comments and trailing commas). */
export function syntaxProblems(text: string): EditorProblem[] {
  const errors: ParseError[] = [];
  parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  return errors.map((e) => ({ from: e.offset, to: e.offset + Math.max(1, e.length), message: `Syntax error: ${printParseErrorCode(e.error)}`, severity: 'error' as const }));
}

/** Lint source: syntax errors as you type, plus the server's problems. */
function diagnostics(view: EditorView): Diagnostic[] {
  const length = view.state.doc.length;
  const clamp = (n: number): number => Math.min(Math.max(0, n), length);
  return [...syntaxProblems(view.state.doc.toString()), ...view.state.field(problemsField)].map((p) => ({ from: clamp(p.from), to: clamp(Math.max(p.to, p.from)), severity: p.severity, message: p.message }));
}

/** What the Settings page can do with the editor. */
export interface ConfigEditorApi {
  /** The text being edited. */
  text(): string;
  /** Replaces the whole text (keeps undo history). */
  setText(text: string): void;
  /** Marks problems (replacing the previous ones). */
  setProblems(problems: readonly EditorProblem[]): void;
  /** Moves the cursor to an offset and focuses the editor. */
  reveal(offset: number): void;
}

/** Props of {@link ConfigEditor}. */
export interface ConfigEditorProps {
  /** Text when the editor is created. */
  readonly initial: string;
  /** Called on every change. */
  readonly onChange: (text: string) => void;
  /** Receives the editor's API once it exists (and `null` when it goes). */
  readonly onReady: (api: ConfigEditorApi | null) => void;
}

/** The CodeMirror editor. */
export function ConfigEditor(props: ConfigEditorProps): VNode {
  const host = useRef<HTMLDivElement>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  useEffect(() => {
    if (host.current === null) return;
    const shadow = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    const view = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: props.initial,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightSelectionMatches(),
          hujson,
          syntaxHighlighting(highlight),
          theme,
          problemsField,
          // Server problems arrive as an effect, not a text change: they must re-run the linter too
          // (forceLinting alone does nothing when no run is pending).
          linter(diagnostics, { delay: 300, needsRefresh: (u) => u.transactions.some((tr) => tr.effects.some((e) => e.is(setProblems))) }),
          lintGutter(),
          EditorState.tabSize.of(2),
          keymap.of([{ key: 'Mod-/', run: toggleComment }, ...defaultKeymap, ...historyKeymap, ...searchKeymap, ...lintKeymap]),
          EditorView.contentAttributes.of({ 'aria-label': 'Configuration (HuJSON)', 'aria-multiline': 'true' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChange.current(u.state.doc.toString());
          }),
        ],
      }),
    });
    const api: ConfigEditorApi = {
      text: () => view.state.doc.toString(),
      setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
      setProblems: (problems) => {
        view.dispatch({ effects: setProblems.of(problems) });
        forceLinting(view);
      },
      reveal: (offset) => {
        const pos = Math.min(Math.max(0, offset), view.state.doc.length);
        view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
        view.focus();
      },
    };
    props.onReady(api);
    return () => {
      props.onReady(null);
      view.destroy();
    };
  }, []);

  return html`<div class="editor" ref=${host}></div>`;
}
