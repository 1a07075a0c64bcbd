"""Write README.md from nbs/index.ipynb, cell by cell (markdown as is, code as python blocks).

nbdev_readme would do this through Quarto, which these machines do not have."""
import json
from pathlib import Path

root = Path(__file__).resolve().parent.parent
cells = json.loads((root / "nbs" / "index.ipynb").read_text(encoding="utf-8"))["cells"]
parts = ["".join(c["source"]).strip() if c["cell_type"] == "markdown" else "```python\n" + "".join(c["source"]).strip() + "\n```"
         for c in cells]
(root / "README.md").write_text("\n\n".join(p for p in parts if p) + "\n", encoding="utf-8")
