// The form for a new note: title, tags and text. Enter in a one-line field
// adds the note, as does Ctrl+Enter in the text. The fields are checked by
// main, not here: an empty title comes back as the refusal `empty-title`.
import { html, useState } from './ui.js';

/// The tags field as a list: commas or spaces between tags.
export function parseTags(text) {
  return text.split(/[,\s]+/).filter((tag) => tag !== '');
}

/// `add(draft)` resolves to whether the note was added; `invalid` names the
/// field the last refusal was about; `refs` holds the fields, for focus.
export function NoteForm({ add, invalid, refs }) {
  const [title, setTitle] = useState('');
  const [tags, setTags] = useState('');
  const [body, setBody] = useState('');

  async function submit(event) {
    event.preventDefault();
    if (await add({ title, body, tags: parseTags(tags) })) {
      setTitle('');
      setTags('');
      setBody('');
      refs.title.current.focus();
    }
  }

  function bodyKey(event) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.currentTarget.form.requestSubmit();
    }
  }

  return html`
    <form id="new-note" class="card" onSubmit=${submit} aria-labelledby="new-note-heading">
      <h2 id="new-note-heading">New note</h2>
      <label for="title">Title</label>
      <input id="title" ref=${refs.title} value=${title} autocomplete="off"
        aria-invalid=${invalid === 'title' ? 'true' : 'false'}
        onInput=${(e) => setTitle(e.currentTarget.value)} />
      <label for="tags">Tags <span class="hint">separated by commas or spaces</span></label>
      <input id="tags" ref=${refs.tags} value=${tags} autocomplete="off" placeholder="work, ideas"
        aria-invalid=${invalid === 'tags' ? 'true' : 'false'}
        onInput=${(e) => setTags(e.currentTarget.value)} />
      <label for="body">Text</label>
      <textarea id="body" rows="6" value=${body} onKeyDown=${bodyKey}
        onInput=${(e) => setBody(e.currentTarget.value)}></textarea>
      <div class="form-foot">
        <span class="hint"><kbd>Ctrl</kbd>+<kbd>Enter</kbd> adds</span>
        <button id="add" type="submit" class="primary">Add note</button>
      </div>
    </form>`;
}
