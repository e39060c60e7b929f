"""gfal2 lister: list a site over any protocol gfal2 speaks (davs, https, http, srm, gsiftp,
root, file), one directory per request with ``opendir`` + ``readpp``."""
