"""The progress bar of the long management commands (`seed_bulk`, `rebuild_renditions`,
`render_markup`)."""


def draw(stream, done, total, *, width=30, label=""):
    """`[#####.....] done/total label` over the previous bar (`stream`: a command's output)."""
    filled = width * done // total if total else width
    stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}{label}", ending="")
    stream.flush()
