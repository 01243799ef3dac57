"""Keyboard control of the Play explorer: j / k next and previous play, space play/pause,
← / → one animation frame back / forward, f follow the ball.

Streamlit has no keyboard API, so a zero-height component adds one key listener to the
app's page (the component frame shares its origin): j / k press the page's previous /
next buttons (found by their widget keys); space, arrows, Home and End go to the play
player's own frame, which handles the same keys when it has the focus. Typing in a text
field is left alone.
"""

from __future__ import annotations

import streamlit as st

_SCRIPT = """
<script>
(function () {
  const doc = window.parent.document;
  if (doc.__coverageKeys) { return; }   // one listener per page, across reruns
  doc.__coverageKeys = true;
  function press(selector) {
    const el = doc.querySelector(selector);
    if (el) { el.click(); return true; }
    return false;
  }
  function player(key) {
    // the play player's frame (coverage/app/play_player.py) animates the play itself
    const frame = doc.querySelector('.st-key-play_figure iframe');
    const api = frame && frame.contentWindow && frame.contentWindow.coveragePlayer;
    return api ? api.key(key) : false;
  }
  doc.addEventListener('keydown', function (e) {
    const t = e.target;
    const tag = (t && t.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || (t && t.isContentEditable)) { return; }
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === 'j') { if (press('.st-key-next_play button')) { e.preventDefault(); } }
    else if (e.key === 'k') { if (press('.st-key-prev_play button')) { e.preventDefault(); } }
    else if (['ArrowRight', 'ArrowLeft', ' ', 'Home', 'End', 'f'].includes(e.key)) {
      if (player(e.key)) { e.preventDefault(); }
    }
  }, true);
})();
</script>
"""

KEYS_HELP = ("Keys: j / k next / previous play · space play / pause · ← / → one frame · "
             "Home / End first / last frame · f follow the ball")


def install() -> None:
    """Add the key listener to the page (once; later calls are no-ops in the browser)."""
    st.iframe(_SCRIPT, height=1)
