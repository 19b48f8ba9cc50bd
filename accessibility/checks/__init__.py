"""Our own browser-driven accessibility checks, one module each, in one registry.

Importing this package imports every check module (in :data:`CHECK_MODULES` order), which
registers itself in :data:`accessibility.checks.registry.REGISTRY`. That order is also the
run order among checks that leave the page's layout alone: readers first, then checks that
press keys or move the mouse; checks that change viewport or styles run last, each on a
freshly loaded page (see ``runner.py``).
"""

from importlib import import_module

from accessibility.checks.registry import REGISTRY, register

CHECK_MODULES: tuple[str, ...] = (
    # readers: look at the page as loaded
    "page_title",
    "language",
    "headings",
    "landmarks",
    "link_text",
    "link_colour",
    "link_details",
    "sensory_instructions",
    "reading_ease",
    "form_labels",
    "error_association",
    "autocomplete",
    "target_size",
    "media_autoplay",
    "data_tables",
    "image_alt",
    "fake_headings",
    "fake_lists",
    "duplicate_ids",
    "typography",
    "colour_meaning",
    "motion",
    "auto_advance",
    "flashing",
    "animated_images",
    "timed_content",
    # interactors: press keys, move the mouse
    "skip_link",
    "keyboard",
    "tab_order",
    "focus_visible",
    "focus_obscured",
    "hover_content",
    "mouse_only",
    # mutators: change the page (press its controls, change viewport or styles); each gets
    # a freshly loaded page
    "keyboard_activation",
    "disclosure",
    "dialogs",
    "dead_links",
    "context_change",
    "reflow",
    "text_resize",
    "text_spacing",
)

for _name in CHECK_MODULES:
    import_module(f"accessibility.checks.{_name}")

__all__ = ["CHECK_MODULES", "REGISTRY", "register"]
