"""Freeze ipywidgets outputs into static ones, for the book (tools/build_book.py).

A saved notebook keeps each widget as a reference (`model_id`) into the widget state stored in
its metadata; a browser needs a widget manager (a script from a CDN) to draw it. Instead, each
widget output becomes what it last showed, read from that state: its controls as static HTML
(a slider at its value, a progress bar at its count) and the outputs of its Output widgets
(an `interact` figure at its default values) as ordinary outputs.
"""
import copy
import html

import nbformat

STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"
BOXES = {"HBoxModel", "VBoxModel", "BoxModel", "GridBoxModel"}
SLIDERS = {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel"}


def freeze(nb):
    """Replace every widget output of `nb` (in place) and drop the widget state; returns the
    number of widget outputs whose state was missing (shown as their text fallback)."""
    state = nb.metadata.pop("widgets", {}).get(STATE, {}).get("state", {})
    missing = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            view = out.get("data", {}).get(VIEW)
            if view is None:
                outputs.append(out)
            elif view["model_id"] in state:
                outputs += _static(view["model_id"], state)
            else:
                missing += 1
                text = out["data"].get("text/plain", "")
                outputs.append(nbformat.v4.new_output("display_data", data={"text/plain": text}))
        cell.outputs = outputs
    return missing


def _static(model_id, state):
    """Outputs for one widget: runs of controls merged into one HTML output, Output widgets'
    outputs as they are."""
    outputs, run = [], []
    for item in _walk(model_id, state):
        if isinstance(item, str):
            run.append(item)
            continue
        if run:
            outputs.append(_html_output(run))
            run = []
        outputs.append(item)
    if run:
        outputs.append(_html_output(run))
    return outputs


def _html_output(parts):
    body = '<div class="book-widget" title="a widget, frozen at its saved state: run the ' \
           f'notebook to use it">{"".join(parts)}</div>'
    return nbformat.v4.new_output("display_data", data={"text/html": body})


def _walk(model_id, state):
    """Yield HTML strings (controls) and output nodes (from Output widgets), in display order."""
    model = state[model_id.removeprefix("IPY_MODEL_")]
    name, s = model["model_name"], model["state"]
    if name in BOXES:
        for child in s.get("children", []):
            yield from _walk(child, state)
    elif name == "OutputModel":
        for out in s.get("outputs", []):
            node = nbformat.from_dict(copy.deepcopy(out))
            if node.output_type in ("display_data", "execute_result"):
                node.setdefault("metadata", {})
            yield node
    elif name in ("HTMLModel", "HTMLMathModel"):
        yield f'<span>{s.get("value", "")}</span>'  # the widget's own HTML (tqdm's text)
    else:
        yield _control(name, s)


def _control(name, s):
    """One control as static HTML: a disabled slider or progress bar, or `description: value`."""
    label = html.escape(s.get("description", ""))
    if name in SLIDERS:
        lo, hi, step, value = (s.get(k) for k in ("min", "max", "step", "value"))
        return (f'<label>{label} <input type="range" min="{lo}" max="{hi}" step="{step}" '
                f'value="{value}" disabled> <b>{value}</b></label>')
    if name.endswith("ProgressModel"):
        return f'<progress value="{s.get("value", 0)}" max="{s.get("max", 100)}"></progress>'
    if "_options_labels" in s:  # Dropdown, SelectionSlider, SelectMultiple, ToggleButtons...
        labels, index = s["_options_labels"], s.get("index")
        chosen = [labels[i] for i in (index if isinstance(index, list) else [index])
                  if i is not None]
        value = ", ".join(chosen)
    else:
        value = s.get("value", "")
    return f'<label>{label}: <b>{html.escape(str(value))}</b></label>'
