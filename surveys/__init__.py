"""surveys

Importing the package installs the question types' lookup for parsing
definitions (``surveys.questions.registry`` calls
``surveys.definitions.handlers.use_handlers``), so ``surveys.definitions``
itself never imports a question type.
"""

import surveys.questions.registry  # noqa: F401  (installs the handler lookup)
