"""Keyboard control of the Play explorer: j / k next and previous play, space play/pause.

Streamlit has no keyboard API, so a zero-height component adds one key listener to the
app's page (the component frame shares its origin) and presses the page's own controls:
the previous / next buttons (found by their widget keys) and the figure's Play / Pause
buttons. Typing in a text field is left alone.
"""

from __future__ import annotations

import streamlit.components.v1 as components

_SCRIPT = """
<script>
(function () {
  const doc = window.parent.document;
  if (doc.__coverageKeys) { return; }   // one listener per page, across reruns
  doc.__coverageKeys = true;
  let playing = false;
  function press(selector) {
    const el = doc.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }
  function menu(label) {
    const buttons = doc.querySelectorAll('.st-key-play_figure .updatemenu-button');
    for (const b of buttons) {
      if ((b.textContent || '').includes(label)) {
        b.dispatchEvent(new MouseEvent('click', {bubbles: true}));
        return true;
      }
    }
    return false;
  }
  doc.addEventListener('keydown', function (e) {
    const t = e.target;
    const tag = (t && t.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || (t && t.isContentEditable)) { return; }
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === 'j') { if (press('.st-key-next_play button')) { e.preventDefault(); } }
    else if (e.key === 'k') { if (press('.st-key-prev_play button')) { e.preventDefault(); } }
    else if (e.key === ' ') {
      if (menu(playing ? 'Pause' : 'Play')) { playing = !playing; e.preventDefault(); }
    }
  }, true);
})();
</script>
"""

KEYS_HELP = "Keys: j / k next / previous play · space play / pause"


def install() -> None:
    """Add the key listener to the page (once; later calls are no-ops in the browser)."""
    components.html(_SCRIPT, height=0)
