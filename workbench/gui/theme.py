"""The app's palettes: light and dark drawn by the Fusion style, or the system's own."""

from __future__ import annotations

_LIGHT = {"Window": "#f3f3f3", "WindowText": "#1d232a", "Base": "#ffffff", "AlternateBase": "#f0f3f6",
          "ToolTipBase": "#ffffdc", "ToolTipText": "#1d232a", "PlaceholderText": "#7a828c", "Text": "#1d232a",
          "Button": "#e9e9e9", "ButtonText": "#1d232a", "BrightText": "#d0202a", "Highlight": "#2b6cb0",
          "HighlightedText": "#ffffff", "Link": "#1f5fbf", "LinkVisited": "#6b3fa0", "Mid": "#b8b8b8",
          "Dark": "#8a8a8a", "Midlight": "#d6d6d6", "Light": "#ffffff", "Shadow": "#5a5a5a"}
_DARK = {"Window": "#25292e", "WindowText": "#e6e9ed", "Base": "#1c1f23", "AlternateBase": "#24282d",
         "ToolTipBase": "#30353b", "ToolTipText": "#e6e9ed", "PlaceholderText": "#8a929c", "Text": "#e6e9ed",
         "Button": "#30353b", "ButtonText": "#e6e9ed", "BrightText": "#ff6b6b", "Highlight": "#3d7bd9",
         "HighlightedText": "#ffffff", "Link": "#7fb2ff", "LinkVisited": "#c3a6ff", "Mid": "#4a5058",
         "Dark": "#15181b", "Midlight": "#3a4047", "Light": "#4d545c", "Shadow": "#0b0c0e"}
_system_palette: list = []  # the palette the app started with, for "system"


def palette_for(theme: str):  # -> QPalette
    """The light or dark palette (the Fusion style draws them the same everywhere); ``system``: the original."""
    from .qt import QColor, QPalette

    if theme not in ("light", "dark"):
        return QPalette(_system_palette[0]) if _system_palette else QPalette()
    palette = QPalette()
    roles = _DARK if theme == "dark" else _LIGHT
    for name, colour in roles.items():
        role = getattr(QPalette.ColorRole, name)
        palette.setColor(role, QColor(colour))
        if name in ("WindowText", "Text", "ButtonText"):
            palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6f767e" if theme == "dark" else "#9aa0a6"))
    return palette


def apply_theme(theme: str) -> None:
    """Switch the whole app to the ``light``, ``dark`` or ``system`` palette, at once."""
    from .qt import QApplication, QStyleFactory

    app = QApplication.instance()
    if app is None:
        return
    if not _system_palette:
        _system_palette.append(app.palette())
        _system_palette.append(app.style().name())
    if theme in ("light", "dark"):
        app.setStyle(QStyleFactory.create("Fusion"))
    elif _system_palette[1]:
        app.setStyle(QStyleFactory.create(_system_palette[1]))
    app.setPalette(palette_for(theme))
