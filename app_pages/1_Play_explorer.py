"""Play explorer: filter plays, pick one, watch the field beside the live P(man) curve.

Thin page: the play list and filters come from ``coverage.app.play_data``, the
play player from ``coverage.app.play_player``, the GIF from
``coverage.export.render_play_gif``. Loads are cached so switching plays only
reads one play's tracking rows and builds one figure. On a browser's first load the play
is sent alone; the filters and the list follow once the player has drawn it
(``coverage.app.play_player.first_play_pending``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import polars as pl
import streamlit as st

from coverage.app import keyboard, play_data, view_state
from coverage.app.data_guard import md_text
from coverage.app.explain_data import (
    EXPLAIN_MODEL,
    explain_model_dir,
    explanation,
    play_explanation,
    play_family_tables,
)
from coverage.app.play_player import (
    PLAYER_HEIGHT,
    build_spec,
    first_play_pending,
    pending_steps,
    play_player,
    spec_folder,
)
from coverage.app.provenance import provenance
from coverage.app.session import (
    data_picker,
    data_picker_slot,
    load_formation_slots,
    load_play_frames,
    load_play_table,
    load_plays,
    load_predictions,
    model_picker,
    no_predictions_message,
    page_start,
    play_row,
    show_error,
)
from coverage.app.spec_cache import SPECS, neighbours
from coverage.export import render_play_gif, render_play_png
from coverage.store import folder_stamp
from coverage.views import key_events

# a 1366x768 laptop leaves ~657 px under the browser's bars: a tighter page head keeps the
# field, the curve and the Play bar above the fold (sent with the app's style: see page_style)
_FIT_CSS = """<style>
.stMainBlockContainer.block-container { padding-top: 0.9rem; }
[data-testid='stHeader'] { background: transparent; height: 2.6rem; }
[data-testid='stMainBlockContainer'] h1 { padding: 0.1rem 0 0.2rem; font-size: 1.9rem; }
[data-testid='stMainBlockContainer'] [data-testid='stAlertContainer'] {
  padding: 0.45rem 0.9rem; }
</style>"""
# a play on screen this long gets its Explain built in the background (~0.5 s of CPU: not
# for each play stepped through, which would slow the steps down on a small machine)
EXPLAIN_AHEAD_S = 2.5
MARK = "▶"  # the play list's mark of the play on screen
PICKER_PX = 40  # the play picker's height (a select box, its label collapsed)

# a browser's first load: the play first; lazily loaded widgets that are not needed to
# watch it (the data folder input, the model and play pickers, Explain, the key listener,
# the downloads) follow with the list
first_load = first_play_pending()
data_slot = data_picker_slot()
store = page_start("Play explorer", compact=True, with_data_picker=False, style=_FIT_CSS)
data_sent: dict[str, bool] = {}


def data_picker_now() -> None:
    """The data folder input in its slot (once per run)."""
    if not data_sent:
        data_picker(data_slot)
        data_sent["input"] = True


if not first_load:
    data_picker_now()
if store is None:
    data_picker_now()
    st.stop()
stamp = store.output_stamp("predictions")
try:
    preds = load_predictions(store, stamp)
    models = play_data.models_in(preds)
    choice = model_picker(models, store=store, draw=not first_load)
    model, prov = choice.model, choice.prov
    table = load_play_table(store, model, stamp)
    plays = load_plays(store)
except Exception as exc:  # noqa: BLE001 - any failure here must read as a message
    show_error(exc, "check the data folder in the sidebar; re-run `coverage ingest` if the "
               "store is from an older version.")
    data_picker_now()
    st.stop()
if not models:
    no_predictions_message(store)

# --- what the filters, search, sort and zoom hold (this session's, else the link's), read
# before their widgets are drawn: on a first load the play is sent without them
options = play_data.filter_options(table)
view_state.from_url(options)
filter_cols = [c for c in play_data.FILTER_COLUMNS if options.get(c)
               and not (c == "outcome" and model is None)]
selections: dict[str, list] = {c: list(st.session_state.get(f"f_{c}") or [])
                               for c in filter_cols}
# each filter offers what the other filters leave (a pick it rules out stays, visibly)
offered = (play_data.filter_options(table, selections) if any(selections.values())
           else options)  # nothing picked: every value is offered (one query fewer)
zoom_box = bool(st.session_state.get("zoom_box", False))
search = st.session_state.get("search") or ""
order = st.session_state.get("sort") or next(iter(play_data.SORTS))
filtered = play_data.filter_plays(table, play_data.PlayFilters(selections))
shown = play_data.sort_plays(
    play_data.filter_plays(filtered, play_data.PlayFilters(search=search)), order)

# --- layout: the play (picker, field + curve, what happened) on top, the list below it,
# so the field is in view without scrolling
top = st.container()
list_box = st.container()


def _on_pick(key: str, shown: tuple[int, int] | None) -> None:
    picked = view_state.picked(key, shown)
    if picked is not None:
        st.session_state[view_state.PLAY_KEY] = picked


def _list_behind(full_run: bool, pick: tuple[int, int] | None) -> bool:
    """True when this fragment run switched plays, so the whole page reruns after it to
    move the list's mark (the player is told, and waits for that run before it sends)."""
    return not full_run and st.session_state.get(view_state.LIST_MARK) != pick


def _step(delta: int) -> None:
    """Previous / next play in the list (wraps around)."""
    listed = st.session_state.get("_listed", [])
    if not listed:
        return
    cur = st.session_state.get(view_state.PLAY_KEY)
    cur = tuple(cur) if cur is not None else None
    # none of the list on screen (a broken link): ▶ opens the first, ◀ the last
    i = listed.index(cur) if cur in listed else (-1 if delta > 0 else 0)
    st.session_state[view_state.PLAY_KEY] = listed[(i + delta) % len(listed)]


def explain_panel(frames: pl.DataFrame, tell_rows: list[dict], resp_play: pl.DataFrame | None,
                  fam_play: pl.DataFrame | None) -> None:
    """What Explain adds under the play: tells, defender responsibilities, family."""
    explain_prov = provenance(store, [EXPLAIN_MODEL])
    if explain_prov.mismatched(EXPLAIN_MODEL):
        st.warning(f"Explain mode uses **{explain_prov.label(EXPLAIN_MODEL)}** on "
                   f"{store.source} data: read its tells and responsibilities with that in "
                   "mind.", icon="⚠️")
    e1, e2 = st.columns([3, 2])
    with e1:
        st.markdown("**Tells** (removing the player changes P(man) by …)")
        if tell_rows:
            st.markdown("\n".join(f"- {t['text']}" for t in tell_rows))
        else:
            st.caption("No single player moves P(man) by more than 0.02 on this play.")
        if resp_play is not None and resp_play.height:
            st.markdown("**Defender responsibilities at the snap** (hover the field for "
                        "every frame)")
            st.dataframe(play_data.responsibility_table(resp_play, frames), hide_index=True,
                         column_config={
                             "prob": st.column_config.ProgressColumn(
                                 "probability", min_value=0.0, max_value=1.0, format="%.2f"),
                             "covers_prob": st.column_config.TextColumn("P(covers)")})
    with e2:
        if fam_play is not None and fam_play.height:
            st.markdown("**Coverage family at the snap** (P(man) = Cover-0 + Cover-1 + 2-Man)")
            st.dataframe(play_data.family_at_snap(fam_play), hide_index=True,
                         column_config={"prob": st.column_config.ProgressColumn(
                             "probability", min_value=0.0, max_value=1.0, format="%.2f")})
        else:
            st.caption("No family predictions for this play yet: "
                       "`coverage predict-family models/family`.")


def _published() -> bool:
    """Specs are published as files next to the player (fetched ahead by the browser);
    False where that folder cannot be written (then ◀ / ▶ wait for the rerun)."""
    try:
        SPECS.publish_to(spec_folder())
    except OSError:
        return False
    return True


# --- the play's spec (the player's one message per play), its cache keys and builders
def _spec_args() -> dict:
    return {"source": store.source, "zoom": zoom_box}


def spec_key(g: int, p: int) -> tuple:
    return (str(store.path), stamp, g, p, tuple(choice.visible), zoom_box)


def explain_key(g: int, p: int, e_stamp: str) -> tuple:
    return (*spec_key(g, p), "explain", e_stamp, store.output_stamp("responsibilities"))


def explain_spec(frames_: pl.DataFrame, play_: dict, preds_: pl.DataFrame | None,
                 attr_: pl.DataFrame, resp_: pl.DataFrame | None) -> str:
    slots = play_data.responsibility_slots(resp_, frames_)
    return build_spec(frames_, play_, prov.relabel(preds_), attribution=attr_,
                      slots=slots if slots is not None else
                      play_data.formation_slots(frames_),
                      links=resp_.select("frameId", "nflId", "target_nflId")
                      if resp_ is not None else None, **_spec_args())


def neighbour_spec(g: int, p: int) -> str:
    nb_frames = store.play_frames(g, p)
    nb_preds = play_data.play_predictions(preds, g, p, choice.visible)
    return build_spec(nb_frames, play_row(plays, g, p), prov.relabel(nb_preds),
                      slots=play_data.formation_slots(nb_frames), **_spec_args())


def explained_spec(explain_dir: Path, g: int, p: int, e_stamp: str) -> str:
    """Explain's spec of a play, from uncached reads (built on the background worker)."""
    frames_ = store.play_frames(g, p)
    play_ = play_row(plays, g, p)
    attr_, _ = explanation(store, str(explain_dir), e_stamp, g, p, frames=frames_)
    resp_ = store.play_output("responsibilities", int(play_.get("week") or 0), g, p)
    preds_ = play_data.play_predictions(preds, g, p, choice.visible)
    return explain_spec(frames_, play_, preds_, attr_, resp_)


def downloads(frames: pl.DataFrame, play_preds: pl.DataFrame | None, play: dict,
              attr: pl.DataFrame | None) -> None:
    """The play as a GIF or a still PNG, rendered only when a button is clicked."""
    game_id, play_id = int(play["gameId"]), int(play["playId"])
    g1, g2 = st.columns([1, 3])
    stride = g1.number_input("GIF frame stride", 1, 10, 2, key="gif_stride",
                             help="Keep every N-th frame (smaller file); the GIF plays in real "
                             "time at any stride.")

    def _gif() -> bytes:
        """Rendered only when the button is clicked: a GIF takes ~1 s, a play switch must not."""
        return render_play_gif(frames, play_preds, play, frame_stride=int(stride),
                               attribution=attr, model_labels=prov.labels(),
                               applied_to=store.source)

    g2.download_button("Download GIF", _gif, file_name=f"play_{game_id}_{play_id}.gif",
                       mime="image/gif", on_click="ignore", key="gif_button")
    moments = play_data.frame_moments(frames)
    p1, p2 = st.columns([3, 1], vertical_alignment="bottom")
    still = p1.select_slider("Still image at", list(moments),
                             value=play_data.snap_moment(moments),
                             format_func=lambda f: moments[f],
                             key=f"png_frame_{game_id}_{play_id}")  # a play's own frames

    def _png() -> bytes:
        return render_play_png(frames, play_preds, play, int(still), attribution=attr,
                               model_labels=prov.labels(), applied_to=store.source)

    p2.download_button("Download PNG", _png, file_name=f"play_{game_id}_{play_id}_{still}.png",
                       mime="image/png", on_click="ignore", key="png_button")



@st.fragment
def play_view() -> None:
    """The play on screen and everything about it. A fragment: ◀ / ▶, the picker, the keys
    and Explain rerun only this part, not the list and filters below and beside it."""
    full_run = page_run.pop("full", False)  # False: a rerun of this fragment alone
    view_state.list_seen(st.session_state.get("_play_list_key"))
    steps = pending_steps()  # ◀ / ▶ and j / k as the browser's player counted them
    if steps:
        _step(steps)
    keys = list(zip(shown["gameId"].to_list(), shown["playId"].to_list(), strict=True))
    labels = dict(zip(keys, shown["label"].to_list(), strict=True))
    missing = view_state.missing_link(keys)  # a link to a play this list does not hold
    pick = view_state.current_play(keys) if missing is None else None
    st.session_state["_listed"] = keys
    pick_key = view_state.picker_key(pick)  # the picker shows the play on screen, always
    prev_col, pick_col, next_col, explain_col = st.columns([1.2, 7.4, 1.2, 3],
                                                           vertical_alignment="bottom")
    prev_col.button("◀", key="prev_play", on_click=_step, args=(-1,),
                    help=f"previous play ({keyboard.KEYS_HELP})", use_container_width=True)
    # the picker's place keeps its height: its box is drawn, filled or not, from the start
    picker = pick_col.container(key=view_state.PICKER, height=PICKER_PX, border=False).empty()

    def draw_picker() -> None:
        picker.selectbox(
            "Play", keys, key=pick_key, format_func=lambda k: labels[k],
            placeholder="Choose a play", label_visibility="collapsed", on_change=_on_pick,
            args=(pick_key, pick))

    light = first_load and pick is not None  # the player's title names the play meanwhile
    if not light:
        draw_picker()
    next_col.button("▶", key="next_play", on_click=_step, args=(1,),
                    help=f"next play ({keyboard.KEYS_HELP})", use_container_width=True)
    explain_dir = explain_model_dir()
    explain_on = False if light else explain_col.toggle(
        "Explain", key="explain", disabled=explain_dir is None,
        help="Which players give the call away (occlusion attribution of P(man): rings scale "
             "with |change|), the tells, the coverage family and each defender's predicted "
             "responsibility. Needs a family model: `coverage train-family`."
             if explain_dir is not None else "Train a family model first: `coverage train-family`"
             " then `coverage predict-family models/family`.")
    view_state.to_url(selections, search=search, model=model, play=pick or missing,
                      sort=order, zoom=zoom_box)
    if pick is None:  # the link stays as it was: the analyst sees what it asked for
        st.warning(play_data.missing_play_message(table, *missing) + " Pick a play from the "
                   "list or the picker above.", icon="🔎")
        keyboard.install()  # j / k open the list's first or last play
        return

    # --- the selected play
    game_id, play_id = int(pick[0]), int(pick[1])
    attr, tell_rows, fam_play, resp_play = None, [], None, None
    nav = None  # the next / previous play's published spec: the player draws it on ◀ / ▶
    # background work for later plays, started once the player's message is out: a worker
    # building specs (or a timer thread starting) held the script back on a small machine
    after: list[Callable[[], object]] = []
    explaining = explain_on and explain_dir is not None
    try:
        frames = load_play_frames(store, game_id, play_id)
        play = play_row(plays, game_id, play_id)
        play_preds = play_data.play_predictions(preds, game_id, play_id, choice.visible)
        # every tracking frame: the browser animates them (coverage/app/play_player.py)
        if explaining:
            e_stamp = folder_stamp(explain_dir)
            attr, tell_rows = play_explanation(store, str(explain_dir), e_stamp,
                                               game_id, play_id)
            fam_play, resp_play = play_family_tables(
                store, store.output_stamp("responsibilities"), int(play.get("week") or 0),
                game_id, play_id)
            spec = SPECS.get_or_build(explain_key(game_id, play_id, e_stamp), lambda: explain_spec(
                frames, play, play_preds, attr, resp_play))
        else:  # built once per process, and the neighbours in the list before they are asked
            spec = SPECS.get_or_build(spec_key(game_id, play_id), lambda: build_spec(
                frames, play, prov.relabel(play_preds),
                slots=load_formation_slots(store, game_id, play_id), **_spec_args()))
            after.append(lambda: SPECS.prefetch(
                [(spec_key(*n), functools.partial(neighbour_spec, *n))
                 for n in neighbours(keys, pick)]))
            if len(keys) > 1 and _published():
                i = keys.index(pick)
                nav = {"next": SPECS.published(spec_key(*keys[(i + 1) % len(keys)])),
                       "prev": SPECS.published(spec_key(*keys[(i - 1) % len(keys)]))}
            if explain_dir is not None:  # a play watched for a while: its Explain, ahead
                watching = st.session_state.setdefault("_watching", {})
                watching["play"] = pick

                def explain_jobs(g: int = game_id, p: int = play_id) -> list:
                    e_stamp = folder_stamp(explain_dir)
                    return [(explain_key(g, p, e_stamp),
                             functools.partial(explained_spec, explain_dir, g, p, e_stamp))]

                after.append(lambda: SPECS.later(
                    explain_jobs, lambda w=watching, k=pick: w.get("play") == k,
                    EXPLAIN_AHEAD_S))
    except Exception as exc:  # noqa: BLE001
        show_error(exc, "this play's tracking could not be drawn; pick another play or re-ingest.")
        if light:
            draw_picker()
        keyboard.install()
        return  # the list below still draws: another play is one click away

    settling = _list_behind(full_run, pick)
    play_player(spec, height=PLAYER_HEIGHT, start_frame=view_state.url_frame(pick), nav=nav,
                settling=settling)
    sent["player"] = True
    for job in after:
        job()
    info = st.columns([3, 2])
    with info[0]:
        st.caption(f"game {game_id} · play {play_id} · week {play.get('week')} · "
                   f"{md_text(play.get('offenseFormation') or '—')} · pass result "
                   f"{md_text(play.get('passResult') or '—')}")
        if play.get("playDescription"):
            st.text(play["playDescription"])  # text from the data file: never Markdown
    with info[1]:
        row = shown.filter((pl.col("gameId") == game_id) & (pl.col("playId") == play_id)).row(
            0, named=True)
        truth = md_text(row["family"] if row["family"] == "Unlabelled" else (
            f"{row['family']} ({row['coverage']})"))
        if row["p_man_snap"] is not None:
            verdict = "✅ hit" if row["outcome"] == "hit" else (
                "❌ miss" if row["outcome"] == "miss" else "not scored")
            st.markdown(f"**True:** {truth}  \n**{choice.label()} at snap:** P(man) = "
                        f"{row['p_man_snap']:.2f} → {row['predicted']} · {verdict}")
            choice.warn()
        else:
            st.markdown(f"**True:** {truth}  \n**Model:** no prediction for this play")
        evs = key_events(frames)
        if evs:
            st.markdown("**Key events:** " + " · ".join(f"{e.label} {e.secs:+.1f} s" for e in evs))
    if explain_on:
        explain_panel(frames, tell_rows, resp_play, fam_play)
    if not first_load:  # below the play: their coming moves nothing on screen
        keyboard.install()  # an iframe of its own, 1 px high: under the play, not above it
        downloads(frames, play_preds, play, attr)
    if settling:
        view_state.own_rerun()  # the list below marks the play this fragment switched to

sent: dict[str, bool] = {}
page_run = {"full": True}  # popped by the fragment: its own reruns find it empty
if shown.height:
    with top:
        play_view()

# a browser's first load: the filters and the list follow once the player has drawn the
# play (their widgets and the list's grid took the browser ~0.8 s before the player's turn)
if sent.get("player") and first_play_pending():
    st.sidebar.caption("Filters follow once the play is drawn…")
    list_box.caption("The play list follows once the play is drawn…")
    st.stop()
data_picker_now()

# --- the widgets behind the values read above: the same keys, so they show (and own) them
game_names = play_data.game_titles(table)  # the picker labels' own game names
fmt = {"gameId": lambda g: game_names.get(g, str(g))}
with st.sidebar:
    st.toggle("Zoom to the box", key="zoom_box",
              help="The field around the ball, ~2.4x larger: linemen apart.")
    st.subheader("Filters")
    for col in filter_cols:
        label = play_data.FILTER_COLUMNS[col]
        help_ = (f"hit = {choice.label()}'s call at the snap (P(man) ≥ 0.5 → Man) matches "
                 "the label" if col == "outcome" else None)
        if col == "outcome":
            label = f"{label} · {choice.label()}"
        st.multiselect(label, offered[col], key=f"f_{col}", help=help_,
                       format_func=fmt.get(col, str))

with list_box:
    st.subheader("Plays")
    st.text_input("Search plays", key="search",
                  placeholder="description, team, coverage, formation or ids…")
    st.selectbox("Sort", list(play_data.SORTS), key="sort",
                 help="Swing: how far P(man) moves before the snap (disguises, motion reads). "
                      "Confidence: distance of P(man) at the snap from 0.5. EPA: expected "
                      "points added by the play.")
    c1, c2, c3 = st.columns([2, 2, 1])
    c1.metric("Plays shown", f"{shown.height:,}", f"of {table.height:,}", delta_color="off",
              delta_arrow="off")
    if model is not None and shown.height:
        scored = shown.filter(pl.col("outcome").is_not_null())
        hit = scored["outcome"].eq("hit").mean() if scored.height else None
        c2.metric(f"{choice.label()} accuracy at snap (shown, on {store.source} data)",
                  f"{hit:.1%}" if hit is not None else "—",
                  f"{scored.height} labelled plays", delta_color="off", delta_arrow="off",
                  help="Over the plays shown. Plays from the weeks a model was trained (1-7) or "
                       "validated (8) on flatter it: filter Week = 9 for the held-out figure "
                       "(the Accuracy page uses the held-out week only).")
    if shown.height == 0:
        st.warning("No play matches these filters. Clear some filters or the search.")
        st.stop()
    csv = play_data.export_table(shown, model=model,
                                 trained_on=prov.of(model) if model is not None else None,
                                 applied_to=store.source).write_csv()
    c3.download_button("CSV of the list", csv,
                       file_name="plays.csv", mime="text/csv", on_click="ignore",
                       disabled=shown.height == 0,
                       help="Each row names the model, what it was trained on (trained_on) and "
                            "the data it is applied to (applied_to).")
    if model is not None and shown.height:
        choice.warn()  # next to the accuracy figure and the hit/miss filter

    # the call and whether it was right first: on a 1024 px screen the grid shows ~6 columns
    cur = st.session_state.get(view_state.PLAY_KEY)
    cur = tuple(cur) if cur is not None else None
    _table_keys = list(zip(shown["gameId"].to_list(), shown["playId"].to_list(), strict=True))
    marked = cur if cur in set(_table_keys) else None
    st.session_state[view_state.LIST_MARK] = marked
    # the play on screen marked in a column of its own: derived in this run from the play,
    # never by selecting its row (a selection the browser would echo back as a click)
    view = shown.with_columns(on_screen=pl.Series(
        [MARK if k == marked else "" for k in _table_keys], dtype=pl.String))
    view = view.select([c for c in ("on_screen", "gameId", "playId", "p_man_snap", "outcome",
                                     "family", "coverage", "week", "offense", "defense",
                                     "down_distance", "formation", "detected", "shell",
                                     "p_man_swing", "passResult", "yards", "epa",
                                     "description")
                        if c in view.columns])
    # one table per list (filters, search, sort): a click on any cell of a row (or its tick
    # box) opens that row's play
    _table_key = f"play_list_{hash(tuple(_table_keys)) & 0xFFFFFFFF:x}"
    st.session_state["_play_list_key"] = _table_key

    def _on_table_select() -> None:
        row = view_state.clicked_row(_table_key)
        if row is not None and row < len(_table_keys):
            st.session_state[view_state.PLAY_KEY] = _table_keys[row]

    st.dataframe(
        view, key=_table_key, on_select=_on_table_select,
        selection_mode=["single-row", "single-cell"],
        hide_index=True,
        height=260,
        column_config={
            "on_screen": st.column_config.TextColumn(MARK, width=28,
                                                     help="the play on screen"),
            "gameId": st.column_config.NumberColumn("game", format="%d"),
            "playId": st.column_config.NumberColumn("play", format="%d"),
            "down_distance": "down & dist",
            "family": "label",
            "outcome": st.column_config.TextColumn(f"hit/miss · {choice.label()}",
                                                   width="medium"),
            "p_man_snap": st.column_config.ProgressColumn(
                f"P(man) at snap · {choice.label()}", min_value=0.0, max_value=1.0,
                format="%.2f", width="medium"),
            "p_man_swing": st.column_config.NumberColumn("swing", format="%.2f",
                                                         help="max - min P(man) before the snap"),
            "passResult": "result",
            "yards": st.column_config.NumberColumn("yards", format="%d"),
            "epa": st.column_config.NumberColumn("EPA", format="%.2f"),
            "description": st.column_config.TextColumn("description", width="large"),
        },
    )
