"""The surveys domain's logic: stored definitions, links, responses, exports, QR codes.

Plain async functions over the surveys tables, no HTTP: the controllers, the CLI, the demo
loader and `analysis.load` all call these.
"""
