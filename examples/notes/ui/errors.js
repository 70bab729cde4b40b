// What the user is told when a call fails. A refusal is the page API's own
// error: the call rejects with `code` "rejected" and `payload`, the WIT
// variant `refusal` as `{ tag, val }`. Any other code is a failed call
// (`target-gone` when the renderer crashed, `bad-payload`, ...).

const REFUSALS = {
  'empty-title': () => 'A note needs a title.',
  'title-too-long': (max) => `A title may have at most ${max} characters.`,
  'too-many-tags': (max) => `A note may have at most ${max} tags.`,
  'not-found': (id) => `Note ${id} is gone: it was deleted, perhaps in another window.`,
  unavailable: (why) => `The notes cannot be reached (${why}).`,
};

/// `{ code, text, field }`: the variant's case (or the failure's code), a
/// sentence for the user, and the form field it is about, if any.
export function describe(error) {
  if (error && error.code === 'rejected' && error.payload) {
    const { tag, val } = error.payload;
    const text = REFUSALS[tag] ? REFUSALS[tag](val) : 'The request was refused.';
    const field = { 'empty-title': 'title', 'title-too-long': 'title', 'too-many-tags': 'tags' }[tag];
    return { code: tag, text, field };
  }
  return {
    code: (error && error.code) || 'error',
    text: (error && error.message) || String(error),
  };
}
