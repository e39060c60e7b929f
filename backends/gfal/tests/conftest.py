from gfal_helpers import _keep_xrd_environment  # noqa: F401 (autouse, for every gfal test)
