// The notes window's UI. Everything it knows comes from the renderer's page
// API, `wasmtron.api` (the WIT interface `notes:app/api`), and its event
// `notesChanged` (`notes:app/events`): the renderer gets the notes from
// main, which keeps them for every window.
import { describe } from './errors.js';
import { NoteForm } from './form.js';
import { NoteList, countText } from './list.js';
import { html, render, useCallback, useEffect, useRef, useState } from './ui.js';

const api = wasmtron.api;

function ErrorBanner({ error, dismiss }) {
  if (!error) {
    return null;
  }
  return html`
    <div id="error" class="error" role="alert">
      <span class="error-text">${error.text}</span>
      <code class="error-code" title="What the API answered">${error.code}</code>
      <button type="button" class="dismiss" aria-label="Dismiss" onClick=${dismiss}>×</button>
    </div>`;
}

function App() {
  const [query, setQuery] = useState('');
  const [listing, setListing] = useState(null);
  const [error, setError] = useState(null);
  const refs = { title: useRef(null), tags: useRef(null), search: useRef(null) };
  // The query the latest search asked for, and which search that was, so
  // that an answer overtaken by a later search is dropped.
  const queryNow = useRef(query);
  queryNow.current = query;
  const asked = useRef(0);

  const refresh = useCallback(async () => {
    const ask = ++asked.current;
    try {
      const found = await api.search(queryNow.current);
      if (ask === asked.current) {
        setListing(found);
      }
    } catch (e) {
      setError(describe(e));
    }
  }, []);

  useEffect(() => {
    refresh();
  }, [query]);

  // Every change, made here or in another window, comes back as this
  // event, so a change needs no refresh of its own.
  useEffect(() => wasmtron.on('notesChanged', () => refresh()), []);

  // `/` goes to the search box from anywhere but a text field.
  useEffect(() => {
    function key(event) {
      const typing = event.target.closest('input, textarea');
      if (event.key === '/' && !typing && !event.ctrlKey && !event.altKey) {
        event.preventDefault();
        refs.search.current.focus();
      }
    }
    document.addEventListener('keydown', key);
    return () => document.removeEventListener('keydown', key);
  }, []);

  /// Runs an API call; shows its failure. Whether it succeeded.
  async function attempt(call) {
    try {
      await call();
      setError(null);
      return true;
    } catch (e) {
      const shown = describe(e);
      setError(shown);
      if (shown.field) {
        refs[shown.field].current.focus();
      }
      return false;
    }
  }

  // After a delete, the focus goes to the note that took the deleted one's
  // place (or to the search box when none is left), not back to the start
  // of the page. The list comes with the event, after the call's answer.
  const refocus = useRef(null);
  useEffect(() => {
    if (refocus.current === null || !listing) {
      return;
    }
    const at = Math.min(refocus.current, listing.notes.length);
    refocus.current = null;
    const next = document.querySelector(`#notes > li:nth-child(${at}) .pin`);
    (next || refs.search.current).focus();
  }, [listing]);

  const add = (draft) => attempt(() => api.add(draft));
  const pin = (note) => attempt(() => api.setPinned(note.id, !note.pinned));
  async function remove(note) {
    const place = listing.notes.findIndex((shown) => shown.id === note.id) + 1;
    if (await attempt(() => api.remove(note.id))) {
      refocus.current = place;
    }
  }

  function searchKey(event) {
    if (event.key === 'Escape') {
      setQuery('');
    }
  }

  return html`
    <header class="bar">
      <h1>Notes</h1>
      <input id="search" ref=${refs.search} type="search" value=${query}
        placeholder="Search words or #tag  ( / )" aria-label="Search notes"
        autocomplete="off" onInput=${(e) => setQuery(e.currentTarget.value)}
        onKeyDown=${searchKey} />
      <span id="count" class="count" aria-live="polite">
        ${listing ? countText(listing) : '…'}
      </span>
    </header>
    <main class="columns">
      <section class="side">
        <${NoteForm} add=${add} invalid=${error && error.field} refs=${refs} />
      </section>
      <section class="list" aria-label="Your notes">
        <${ErrorBanner} error=${error} dismiss=${() => setError(null)} />
        ${listing && html`<${NoteList} listing=${listing} query=${query} pin=${pin}
          remove=${remove} showTag=${(tag) => setQuery(`#${tag}`)} />`}
      </section>
    </main>`;
}

const root = document.getElementById('app');
// The "Loading…" placeholder goes; Preact owns what is inside from now on.
root.textContent = '';
render(html`<${App} />`, root);
