/** Small pieces every page draws the same way. */
import type { ReactNode } from 'react';

/** A form's refusal (message — hint), where the browser tests look for it. */
export function FormError({ text }: { text: string | null }): ReactNode {
  if (!text) return null;
  return (
    <div className="error" data-testid="form-error" role="alert">
      {text}
    </div>
  );
}

/** The one row of an empty table. */
export function EmptyRow({ cols, children }: { cols: number; children: ReactNode }): ReactNode {
  return (
    <tr>
      <td colSpan={cols} className="empty">
        {children}
      </td>
    </tr>
  );
}
