/** Route `/images`: the image table, and the build and import forms with live build progress. */
import { useState, type FormEvent, type ReactNode } from 'react';
import type { BuildImageBody, Image, ImportImageBody } from '../../contract.js';
import { EmptyRow, FormError } from '../bits.js';
import { api, errorText } from '../api.js';
import { useActions, useAppState } from '../context.js';
import { latestProgress, type ImageProgress } from '../events.js';
import { formatDate, formatSize } from '../format.js';
import { Link } from '../router.js';
import { vmHref } from '../routes.js';

export function ImagesPage(): ReactNode {
  const state = useAppState();
  const { confirm, toast, dispatch } = useActions();
  const reload = (): void => {
    api
      .get<Image[]>('/api/images')
      .then((images) => dispatch({ event: 'local.images', data: { images } }))
      .catch(() => undefined);
  };
  const del = async (img: Image): Promise<void> => {
    const r = await confirm({ title: `Delete image ${img.name}?`, body: 'Its files are removed. The daemon refuses while VMs use it.', ok: 'Delete', danger: true });
    if (!r.ok) return;
    try {
      await api.del(`/api/images/${encodeURIComponent(img.name)}`);
      toast('info', `deleted image ${img.name}`);
      reload();
    } catch (e) {
      toast('error', errorText(e), `delete image ${img.name} failed`);
    }
  };
  return (
    <div className="page">
      <header className="page-head">
        <h1>Images</h1>
        <span className="muted">{state.imagesLoaded ? `${state.images.length}` : 'loading…'}</span>
      </header>
      <div className="table-wrap">
        <table className="table" data-testid="image-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Profile</th>
              <th className="num">Size</th>
              <th>Created</th>
              <th>Used by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {state.images.map((img) => {
              const users = state.vms.filter((v) => v.imageId === img.id);
              return (
                <tr key={img.id} data-testid="image-row" data-image={img.name}>
                  <td>{img.name}</td>
                  <td>
                    {img.profile}
                    {img.managed ? '' : <span className="muted"> · external</span>}
                  </td>
                  <td className="num">{img.sizeBytes !== undefined ? formatSize(img.sizeBytes) : '-'}</td>
                  <td className="nowrap">{formatDate(img.createdAt)}</td>
                  <td>
                    {users.length === 0 ? (
                      <span className="muted">-</span>
                    ) : (
                      users.map((v, i) => (
                        <span key={v.id}>
                          {i > 0 && ', '}
                          <Link href={vmHref(v.name)}>{v.name}</Link>
                        </span>
                      ))
                    )}
                  </td>
                  <td className="row-actions">
                    <button type="button" className="small danger-text" data-action="delete" onClick={() => void del(img)}>
                      Delete
                    </button>
                  </td>
                </tr>
              );
            })}
            {state.imagesLoaded && state.images.length === 0 && <EmptyRow cols={6}>No images yet. Build one below.</EmptyRow>}
          </tbody>
        </table>
      </div>
      <div className="grid two">
        <BuildForm progress={state.progress} onDone={reload} />
        <ImportForm onDone={reload} />
      </div>
    </div>
  );
}

function BuildForm({ progress, onDone }: { progress: Record<string, ImageProgress>; onDone: () => void }): ReactNode {
  const { toast, dispatch } = useActions();
  const [profile, setProfile] = useState<BuildImageBody['profile']>('debian');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: BuildImageBody = { profile, ...(name.trim() ? { name: name.trim() } : {}) };
      const img = await api.post<Image>('/api/images/build', body);
      toast('info', `built image ${img.name}`);
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
      dispatch({ event: 'local.buildDone', data: { image: name.trim() || profile } });
    }
  };
  // The daemon names an unnamed build after its profile; while our build runs, show its progress, else any
  // build still in flight (another tab's, or the CLI's).
  const target = name.trim() || profile;
  const latest: [string, ImageProgress] | undefined = busy ? (progress[target] ? [target, progress[target]] : undefined) : latestProgress(progress);
  const show = busy || (latest !== undefined && (latest[1].fraction === undefined || latest[1].fraction < 1));
  return (
    <form className="card" data-testid="build-image-form" onSubmit={(e) => void submit(e)}>
      <h2>Build an image</h2>
      <div className="form-row">
        <label className="field narrow">
          <span>Profile</span>
          <select name="profile" value={profile} onChange={(e) => setProfile(e.target.value as BuildImageBody['profile'])} disabled={busy}>
            <option value="debian">debian</option>
            <option value="dev">dev</option>
            <option value="minimal">minimal</option>
          </select>
        </label>
        <label className="field">
          <span>Name</span>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder={profile} autoComplete="off" spellCheck={false} disabled={busy} />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Building…' : 'Build'}
        </button>
      </div>
      {show && (
        <div className="progress" data-testid="image-progress">
          <div className="progress-text">
            <strong>{latest?.[0] ?? target}</strong> {latest ? latest[1].step : 'starting…'}
            {latest?.[1].detail && <span className="muted"> · {latest[1].detail}</span>}
            {latest?.[1].fraction !== undefined && <span className="muted"> · {Math.round(latest[1].fraction * 100)}%</span>}
          </div>
          <progress max={1} value={latest?.[1].fraction} />
        </div>
      )}
      <FormError text={error} />
    </form>
  );
}

function ImportForm({ onDone }: { onDone: () => void }): ReactNode {
  const { toast } = useActions();
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!name.trim() || !source.trim()) return setError('name and host path are both required');
    setBusy(true);
    setError(null);
    try {
      const body: ImportImageBody = { name: name.trim(), source: source.trim() };
      const img = await api.post<Image>('/api/images/import', body);
      toast('info', `imported image ${img.name}`);
      setName('');
      setSource('');
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" data-testid="import-image-form" onSubmit={(e) => void submit(e)} noValidate>
      <h2>Import an image</h2>
      <div className="form-row">
        <label className="field">
          <span>Name</span>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
        <label className="field wide">
          <span>Host path (OCI layout, docker save or rootfs tar)</span>
          <input name="source" value={source} onChange={(e) => setSource(e.target.value)} placeholder="/path/to/image.tar" spellCheck={false} />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
      <FormError text={error} />
    </form>
  );
}
