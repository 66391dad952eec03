"""MkDocs hooks for the tinygrad_mlp site (mkdocs.yml: ``hooks:``).

- MathJax is served from the site itself, never from a CDN: ``npm ci`` in this folder brings
  the ``mathjax`` npm package (pinned in package.json and package-lock.json), and the files the
  pages load (the TeX-to-CHTML component, the textmacros extension, the woff2 fonts) are copied
  into ``site/assets/mathjax/``.
- The notebooks in ``notebooks/`` are executed (nbclient, a fresh kernel each) and rendered to
  Markdown pages under ``notebooks/``, with their figures as files: a notebook that raises
  fails the build, so the site shows outputs that the current code produced.
- A public name of the library without a docstring fails the build, as an unresolved
  cross-reference or a broken link does under ``mkdocs build --strict``.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MATHJAX = HERE / "node_modules" / "mathjax" / "es5"
# what the pages load: the component, the one extension they ask for, the CHTML fonts
MATHJAX_FILES = ["tex-chtml.js", "input/tex/extensions/textmacros.js", "output/chtml/fonts/woff-v2"]
NOTEBOOKS = REPO / "notebooks"


def _ensure_mathjax() -> None:
    if (MATHJAX / "tex-chtml.js").exists():
        return
    if shutil.which("npm") is None:
        raise PluginError(
            f"MathJax is missing from {MATHJAX} and npm is not installed: "
            f"install Node.js and npm, then run `npm ci --prefix {HERE}`"
        )
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(HERE)], check=True)


def _undocumented() -> list[str]:
    import tinygrad_mlp

    missing = []
    for info in pkgutil.walk_packages(tinygrad_mlp.__path__, prefix="tinygrad_mlp."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        if not module.__doc__:
            missing.append(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if callable(obj) and not (obj.__doc__ or "").strip():
                missing.append(f"{info.name}.{name}")
    return missing


def on_config(config: Any) -> Any:
    _ensure_mathjax()
    missing = _undocumented()
    if missing:
        raise PluginError(f"public names without a docstring: {', '.join(missing)}")
    return config


def _render_notebook(path: Path) -> tuple[str, dict[str, bytes]]:
    """Execute one notebook in a fresh kernel; its Markdown and its output files."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import MarkdownExporter

    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    ).execute()
    exporter = MarkdownExporter()
    body, resources = exporter.from_notebook_node(
        nb, resources={"output_files_dir": f"{path.stem}_files"}
    )
    return body, dict(resources.get("outputs", {}))


def on_files(files: Files, config: Any) -> Files:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        try:
            body, outputs = _render_notebook(path)
        except Exception as error:  # any failing cell: name the notebook and the error
            raise PluginError(f"notebook {path.name} failed to run: {error}") from error
        files.append(File.generated(config, f"notebooks/{path.stem}.md", content=body))
        for name, data in outputs.items():
            files.append(File.generated(config, f"notebooks/{name}", content=data))
    return files


def on_post_build(config: Any) -> None:
    target = Path(config["site_dir"]) / "assets" / "mathjax"
    for rel in MATHJAX_FILES:
        source, dest = MATHJAX / rel, target / rel
        if source.is_dir():
            shutil.copytree(source, dest, dirs_exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
