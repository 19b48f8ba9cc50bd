"""The demo's sample council website: ten pages with a dozen real barriers, for the auditor.

``resident-voice demo`` registers this site and queues runs on it, so a new web-team user's
first report has real findings, screenshots and a draft statement. The service serves it at
``/demo-council/`` (public, no sign-in: it is what the auditor's browser visits). The pages
are made here from one template, like a council's content system; every barrier is one our
checks or axe-core catch, and ``about.html`` has none.

One page has two versions, so "new and fixed" means something: until a run of the sample
site has finished, ``bins.html`` shows "last week's" page (a toast that vanishes, a heading
that is only bold text); after it, "this week's" (both fixed, and a new barrier: a bin-day
picker that jumps to another page as soon as an area is chosen).
"""

from __future__ import annotations

from html import escape

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.response import Response

from accessibility.tables import AuditRun, Site
from service.auth import PUBLIC_OPT, public

__all__ = [
    "ASSETS",
    "DEMO_COUNCIL_PATH",
    "DEMO_COUNCIL_SITE",
    "PAGES",
    "render_page",
    "serve_demo_council",
]

DEMO_COUNCIL_PATH = "/demo-council"
DEMO_COUNCIL_SITE = "Northbridge Council website (sample)"

_STYLE = """
html { font-family: Arial, sans-serif; line-height: 1.5; color: #0b0c0c; }
body { margin: 0; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 8px; top: 8px;
  background: #fd0; padding: 8px; }
header { background: #1d3557; color: #fff; padding: 16px 24px; }
header a { color: #fff; } .brand { font-size: 1.5rem; font-weight: bold;
  text-decoration: none; }
nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 20px; padding: 0;
  margin: 12px 0 0; }
main { max-width: 860px; margin: 0 auto; padding: 16px 24px 48px; }
a { color: #1d5fa8; } a:focus, button:focus, input:focus, select:focus {
  outline: 3px solid #fd0; box-shadow: 0 0 0 6px #0b0c0c; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
  gap: 16px; padding: 0; list-style: none; }
.cards li { border: 1px solid #b1b4b6; border-top: 5px solid #1d5fa8; padding: 12px 16px; }
.hero { background: #e8f1f8; padding: 16px 24px; margin: 0 -24px 24px; }
.hero img { float: right; margin-left: 16px; }
label { display: block; font-weight: bold; margin-top: 16px; }
input, select { font-size: 1rem; padding: 6px; border: 2px solid #0b0c0c; }
button, .button { font-size: 1rem; padding: 8px 14px; background: #00703c; color: #fff;
  border: 0; cursor: pointer; display: inline-block; }
table { border-collapse: collapse; margin: 16px 0; } td, th { border-bottom: 1px solid
  #b1b4b6; padding: 8px 24px 8px 0; text-align: left; }
.head-row td { font-weight: bold; border-bottom: 3px solid #0b0c0c; }
.fake-heading { font-size: 1.5rem; font-weight: bold; margin: 32px 0 8px; }
.toast { position: fixed; right: 24px; bottom: 24px; background: #0b0c0c; color: #fff;
  padding: 12px 16px; max-width: 320px; } .toast:empty { display: none; }
.banner { border: 5px solid #00703c; padding: 12px 16px; margin: 16px 0; }
.faint { color: #949494; }
.planning a:focus { outline: none; box-shadow: none; }
.needed { color: #d4351c; }
footer { border-top: 4px solid #1d3557; padding: 16px 24px; font-size: 0.9rem; }
"""

_NAV = [
    ("index.html", "Home"),
    ("bins.html", "Bins and recycling"),
    ("council-tax.html", "Council tax"),
    ("libraries.html", "Libraries"),
    ("planning.html", "Planning"),
    ("contact.html", "Contact us"),
]

_IMAGE = (
    "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='200' "
    "height='120'><rect width='200' height='120' fill='%23a8c5e0'/><circle cx='60' cy='60' "
    "r='30' fill='%231d3557'/><rect x='110' y='40' width='60' height='50' "
    "fill='%2300703c'/></svg>"
)


def _page(title: str, body: str, *, script: str = "") -> str:
    """A page from the site's one template; ``script`` names its script file, if any."""
    nav = "".join(f'<li><a href="{href}">{escape(text)}</a></li>' for href, text in _NAV)
    scripts = f'<script src="{script}"></script>' if script else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} – Northbridge Council</title>
<link rel="stylesheet" href="site.css">
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header>
  <a class="brand" href="index.html">Northbridge Council</a>
  <nav aria-label="Main"><ul>{nav}</ul></nav>
</header>
<main id="main">
<h1>{escape(title)}</h1>
{body}
</main>
<footer>
  <p>Northbridge Council, Civic Centre, Market Street, Northbridge NB1 1AA.
  <a href="about.html">About this website</a> · <a href="contact.html">Contact us</a></p>
</footer>
{scripts}
</body>
</html>
"""


_BINS_LAST_WEEK = _page(
    "Bins and recycling",
    """<p>We collect your rubbish every week and your recycling every two weeks.</p>
<div id="bin-toast" class="toast" role="status"></div>
<p class="fake-heading">Missed collections</p>
<p>If we missed your bin, tell us within two working days and we will come back for it.</p>
<p><a href="contact.html">Report a missed bin</a></p>
<h2>What goes in each bin</h2>
<ul><li>Blue bin: paper, card, tins and plastic bottles.</li>
<li>Brown bin: food and garden waste.</li><li>Black bin: everything else.</li></ul>""",
    script="bins-last-week.js",
)

_BINS_THIS_WEEK = _page(
    "Bins and recycling",
    """<p>We collect your rubbish every week and your recycling every two weeks.</p>
<div class="banner" role="region" aria-label="Important">
  <p>Collections are a day late after the bank holiday.</p></div>
<h2>Missed collections</h2>
<p>If we missed your bin, tell us within two working days and we will come back for it.</p>
<p><a href="contact.html">Report a missed bin</a></p>
<label for="bin-area">See your bin days</label>
<select id="bin-area">
  <option value="">Choose your area</option>
  <option value="bins.html?area=north">North Northbridge</option>
  <option value="bins.html?area=south">South Northbridge</option>
</select>
<h2>What goes in each bin</h2>
<ul><li>Blue bin: paper, card, tins and plastic bottles.</li>
<li>Brown bin: food and garden waste.</li><li>Black bin: everything else.</li></ul>""",
    script="bins-this-week.js",
)

PAGES: dict[str, str] = {
    "index.html": _page(
        "Welcome to Northbridge Council",
        f"""<div class="hero"><img src="{_IMAGE}" alt="image" width="200" height="120">
<p>Find information and services from Northbridge Council: pay, apply or report online,
any time of day.</p></div>
<ul class="cards">
<li><h2><a href="bins.html">Bins and recycling</a></h2><p>Collection days, missed bins,
new bins.</p></li>
<li><h2><a href="council-tax.html">Council tax</a></h2><p>Bands, bills, discounts and
paying.</p></li>
<li><h2><a href="libraries.html">Libraries</a></h2><p>Opening times, renewals and
events.</p></li>
<li><h2><a href="planning.html">Planning</a></h2><p>Applications, comments and
decisions.</p></li>
</ul>
<p>Read the latest council news <a href="news.html">click here</a>.</p>""",
    ),
    "bins.html": _BINS_LAST_WEEK,
    "council-tax.html": _page(
        "Council tax",
        """<p>Your council tax band depends on what your home was worth in April 1991.</p>
<h2>Charges for 2026 to 2027</h2>
<table id="bands">
<tr class="head-row"><td>Band</td><td>Value in 1991</td><td>Yearly charge</td></tr>
<tr><td>A</td><td>Up to £40,000</td><td>£1,402.18</td></tr>
<tr><td>B</td><td>£40,001 to £52,000</td><td>£1,635.88</td></tr>
<tr><td>C</td><td>£52,001 to £68,000</td><td>£1,869.57</td></tr>
<tr><td>D</td><td>£68,001 to £88,000</td><td>£2,103.27</td></tr>
</table>
<p><a href="council-tax.html#leaflet">Council tax leaflet 2026.pdf</a></p>
<p class="faint">Bills are sent in March. Ask us if you need yours in large print.</p>""",
    ),
    "libraries.html": _page(
        "Libraries",
        """<p>Our six libraries lend books, audiobooks and e-books, and have free computers.</p>
<h2>Opening times</h2>
<p><span class="button" id="show-times">Show opening times</span></p>
<p id="times" hidden>Monday to Saturday, 9am to 6pm. Closed on Sundays.</p>
<h2><button type="button" id="events-button" aria-expanded="false"
  aria-controls="events">Events this month</button></h2>
<div id="events" hidden><p>Rhyme time every Tuesday at 10am. Code club on Thursdays.</p></div>
<p>Renew your books online with your library card number.</p>""",
        script="libraries.js",
    ),
    "planning.html": _page(
        "Planning",
        """<div class="planning">
<p>You need planning permission for most new buildings and big changes to existing ones.</p>
<h2>Applications</h2>
<ul><li><a href="planning.html?search=1">Search planning applications</a></li>
<li><a href="planning.html?comment=1">Comment on an application</a></li>
<li><a href="planning.html?apply=1">Apply for planning permission</a></li></ul>
<h4>Before you apply</h4>
<p>Check whether you need permission with our free pre-application advice.</p>
</div>""",
    ),
    "contact.html": _page(
        "Contact us",
        """<p>Send us a message and we will reply within five working days.</p>
<form action="contact.html" method="get" novalidate>
<label for="name" class="needed">Your name</label>
<input id="name" name="name" type="text">
<label for="email" class="needed">Email address</label>
<input id="email" name="email" type="email">
<label for="phone">Phone number</label>
<input id="phone" name="phone" type="tel" autocomplete="tel">
<p>Your message</p>
<textarea name="message" rows="4"></textarea>
<p><button type="submit">Send</button></p>
</form>""",
    ),
    "news.html": _page(
        "News",
        """<p>The latest news from Northbridge Council.</p>
<h2>New play park opens in Riverside</h2>
<p><img src="{img}" alt="IMG_2041.jpg" width="200" height="120"></p>
<p>The new play park on Riverside Walk opened on Saturday, with swings, a climbing frame
and a quiet area.</p>
<h2>Help in your language</h2>
<p lang="ar">يمكنك الإبلاغ عن صندوق قمامة لم يتم جمعه عبر الإنترنت أو بالاتصال بنا على
الرقم المجاني. سنعود لإفراغه خلال يومي عمل.</p>
<p>Mae gwybodaeth am y dreth gyngor ar gael yn Gymraeg ac mae croeso i chi gysylltu â ni
dros y ffôn neu ar-lein.</p>""".replace("{img}", _IMAGE),
    ),
    "about.html": _page(
        "About this website",
        """<p>This website is run by Northbridge Council. We want as many people as possible to
be able to use it.</p>
<h2>How to contact us</h2>
<p>Email <a href="mailto:web@northbridge.example.gov.uk">web@northbridge.example.gov.uk</a>
or call 01632 960 000, Monday to Friday, 9am to 5pm.</p>""",
    ),
}


#: The site's stylesheet and scripts, served beside the pages. They are files, not inline
#: ``<style>``/``<script>``, because the service's Content-Security-Policy (``'self'`` only)
#: covers these pages too: inline ones would never run, and the barriers they make (the
#: toast that vanishes, the picker that navigates, the fake button, the styled "heading")
#: would not be there for the auditor to find.
ASSETS: dict[str, tuple[str, str]] = {
    "site.css": (_STYLE, "text/css"),
    "bins-last-week.js": (
        """const toast = document.getElementById('bin-toast');
setTimeout(() => { toast.textContent = 'Collections are a day late after the bank holiday.'; },
  500);
setTimeout(() => { toast.textContent = ''; }, 5500);
""",
        "text/javascript",
    ),
    "bins-this-week.js": (
        """document.getElementById('bin-area').addEventListener('change', (event) => {
  if (event.target.value) location.href = event.target.value;
});
""",
        "text/javascript",
    ),
    "libraries.js": (
        """document.getElementById('show-times').addEventListener('click', () => {
  const times = document.getElementById('times'); times.hidden = !times.hidden;
});
document.getElementById('events-button').addEventListener('click', () => {
  const events = document.getElementById('events'); events.hidden = !events.hidden;
});
""",
        "text/javascript",
    ),
}


async def _sample_site_audited() -> bool:
    """Has a run of the sample site finished? Then it serves this week's ``bins.html``."""
    site = await Site.select(Site.id).where(Site.name == DEMO_COUNCIL_SITE).first()
    if site is None:
        return False
    return bool(
        await AuditRun.exists().where((AuditRun.site == site["id"]) & (AuditRun.status == "done"))
    )


async def render_page(path: str) -> str | None:
    """The HTML of ``path`` (``""`` is the home page), or None for no such page."""
    path = path.strip("/") or "index.html"
    if path == "bins.html" and await _sample_site_audited():
        return _BINS_THIS_WEEK
    return PAGES.get(path)


@get(
    [f"{DEMO_COUNCIL_PATH}/", f"{DEMO_COUNCIL_PATH}/{{path:str}}"],
    opt=PUBLIC_OPT,
    guards=[public],
    include_in_schema=False,
)
async def serve_demo_council(path: str = "") -> Response[str]:
    """The sample council site's pages, for the demo's audits (public: a browser visits)."""
    if path in ASSETS:
        text, media_type = ASSETS[path]
        return Response(text, media_type=media_type)
    html = await render_page(path)
    if html is None:
        raise NotFoundException(f"no sample page {path!r}")
    return Response(html, media_type="text/html; charset=utf-8")
