/** The one modal: confirmations, and the fork/snapshot name prompts. */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { ConfirmOptions, ConfirmResult } from './context.js';

export function ConfirmDialog(props: { options: ConfirmOptions; onDone: (r: ConfirmResult) => void }): ReactNode {
  const { options: o, onDone } = props;
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const okButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    (input.current ?? okButton.current)?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onDone({ ok: false });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onDone]);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const v = value.trim();
    if (o.input) {
      if (o.input.required && !v) return setProblem(`${o.input.label} is required`);
      const p = o.input.validate?.(v) ?? null;
      if (p) return setProblem(p);
    }
    onDone({ ok: true, value: v });
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onDone({ ok: false })}>
      <form className="dialog" role="dialog" aria-modal="true" aria-label={o.title} data-testid="confirm-dialog" onSubmit={submit}>
        <h3>{o.title}</h3>
        {o.body && <div className="dialog-body">{o.body}</div>}
        {o.input && (
          <label className="field">
            <span>{o.input.label}</span>
            <input
              ref={input}
              data-testid={o.input.testId}
              value={value}
              placeholder={o.input.placeholder}
              onChange={(e) => {
                setValue(e.target.value);
                setProblem(null);
              }}
              autoComplete="off"
              spellCheck={false}
            />
          </label>
        )}
        {problem && (
          <div className="error" data-testid="form-error">
            {problem}
          </div>
        )}
        <div className="dialog-buttons">
          <button type="button" data-testid="confirm-cancel" onClick={() => onDone({ ok: false })}>
            Cancel
          </button>
          <button type="submit" ref={okButton} className={o.danger ? 'danger' : 'primary'} data-testid="confirm-ok">
            {o.ok}
          </button>
        </div>
      </form>
    </div>
  );
}
