export function NotesList({ notes }: { notes: { id: string; body: string; createdAt: Date; author: { name: string; email: string } }[] }) {
  if (notes.length === 0) return <p className="text-sm text-slate-700">No internal notes yet.</p>;
  return (
    <ul className="space-y-2 text-sm">
      {notes.map((note) => (
        <li key={note.id} className="rounded-md border border-slate-200 bg-slate-50 p-3">
          <p className="whitespace-pre-wrap">{note.body}</p>
          <p className="mt-1 text-xs text-slate-700">
            {note.author.name} · <time dateTime={note.createdAt.toISOString()}>{note.createdAt.toISOString().replace("T", " ").slice(0, 16)} UTC</time>
          </p>
        </li>
      ))}
    </ul>
  );
}
