// The notes a search found, pinned first and newest first (the renderer's
// order), each with buttons to pin and delete it and one per tag to search
// for that tag.
import { html } from './ui.js';

/// When a note was added: "today 14:32", or "7 Dec 14:32".
function added(createdMs) {
  // A WIT u64 reaches the page as a BigInt.
  const when = new Date(Number(createdMs));
  const time = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (when.toDateString() === new Date().toDateString()) {
    return `today ${time}`;
  }
  return `${when.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

function Note({ note, pin, remove, showTag }) {
  return html`
    <li class=${note.pinned ? 'note card pinned' : 'note card'} data-id=${note.id}>
      <div class="note-head">
        <h3 class="title">${note.title}</h3>
        <div class="actions">
          <button type="button" class="pin" aria-pressed=${note.pinned ? 'true' : 'false'}
            onClick=${() => pin(note)}>${note.pinned ? 'Unpin' : 'Pin'}</button>
          <button type="button" class="delete" aria-label=${`Delete “${note.title}”`}
            onClick=${() => remove(note)}>Delete</button>
        </div>
      </div>
      ${note.body && html`<p class="body">${note.body}</p>`}
      <div class="meta">
        ${note.tags.map(
          (tag) => html`<button type="button" class="tag" title=${`Show notes tagged ${tag}`}
            onClick=${() => showTag(tag)}>#${tag}</button>`,
        )}
        <span class="when">${added(note.createdMs)}</span>
      </div>
    </li>`;
}

export function NoteList({ listing, query, pin, remove, showTag }) {
  if (listing.notes.length === 0) {
    const text = listing.total === 0
      ? 'No notes yet. Write one in the form.'
      : `No notes match “${query.trim()}”.`;
    return html`<p id="empty" class="empty">${text}</p>`;
  }
  return html`
    <ul id="notes" aria-label="Notes">
      ${listing.notes.map(
        (note) => html`<${Note} key=${note.id} note=${note} pin=${pin} remove=${remove}
          showTag=${showTag} />`,
      )}
    </ul>`;
}

/// "No notes yet", "3 notes", or "1 of 3 notes" while a search hides some.
export function countText(listing) {
  const { total } = listing;
  const shown = listing.notes.length;
  if (total === 0) {
    return 'No notes yet';
  }
  const noun = total === 1 ? 'note' : 'notes';
  return shown === total ? `${total} ${noun}` : `${shown} of ${total} ${noun}`;
}
