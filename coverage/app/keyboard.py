"""Keyboard control of the Play explorer: j / k next and previous play, space play/pause,
← / → one animation frame back / forward.

Streamlit has no keyboard API, so a zero-height component adds one key listener to the
app's page (the component frame shares its origin) and presses the page's own controls:
the previous / next buttons (found by their widget keys), the figure's Play / Pause
buttons, and the frame slider (a press on the rail at the next tick, as a click would).
Typing in a text field is left alone.
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
  function step(delta) {
    const gd = doc.querySelector('.st-key-play_figure .js-plotly-plot');
    if (!gd || !gd._fullLayout || !gd._fullLayout.sliders || !gd._fullLayout.sliders.length) {
      return false;
    }
    const ticks = gd.querySelectorAll('rect.slider-tick-rect');
    const rail = gd.querySelector('rect.slider-rail-touch-rect');
    if (!ticks.length || !rail) { return false; }
    const active = gd._fullLayout.sliders[0].active || 0;
    const target = Math.max(0, Math.min(ticks.length - 1, active + delta));
    const t = ticks[target].getBoundingClientRect();
    const r = rail.getBoundingClientRect();
    const at = {bubbles: true, clientX: t.left + t.width / 2, clientY: r.top + r.height / 2,
                view: window.parent};
    rail.dispatchEvent(new MouseEvent('mousedown', at));
    gd.dispatchEvent(new MouseEvent('mouseup', at));
    return true;
  }
  doc.addEventListener('keydown', function (e) {
    const t = e.target;
    const tag = (t && t.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || (t && t.isContentEditable)) { return; }
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === 'j') { if (press('.st-key-next_play button')) { e.preventDefault(); } }
    else if (e.key === 'k') { if (press('.st-key-prev_play button')) { e.preventDefault(); } }
    else if (e.key === 'ArrowRight') { if (step(1)) { e.preventDefault(); } }
    else if (e.key === 'ArrowLeft') { if (step(-1)) { e.preventDefault(); } }
    else if (e.key === ' ') {
      if (menu(playing ? 'Pause' : 'Play')) { playing = !playing; e.preventDefault(); }
    }
  }, true);
})();
</script>
"""

KEYS_HELP = "Keys: j / k next / previous play · space play / pause · ← / → one frame"


def install() -> None:
    """Add the key listener to the page (once; later calls are no-ops in the browser)."""
    components.html(_SCRIPT, height=0)
