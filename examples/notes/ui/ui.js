// The UI framework, from the copies vendor.sh makes in vendor/: Preact, its
// hooks, and htm, which turns tagged templates into Preact elements in
// plain JavaScript (no JSX, no build step, no eval). The paths are relative
// because the page may not have an import map: it would be an inline
// script, which the content security policy refuses.
import { h, render } from './vendor/preact.mjs';
import htm from './vendor/htm.mjs';

export { useCallback, useEffect, useRef, useState } from './vendor/hooks.mjs';
export { render };
export const html = htm.bind(h);
