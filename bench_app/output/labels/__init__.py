"""Asset labels: the templates for the common rolls and sheets (templates.py), what a label
says (content.py), where each thing goes in printer dots (layout.py), and painting it as a
bitmap or a PDF (render.py). Not here: sending labels to a printer (output/printers/), and
the fr/en wording of capacities and dates (output/formatting.py)."""
