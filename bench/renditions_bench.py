"""Renditions for an 8000 x 8000 hero image: time to make them, and what a phone downloads
(a script, not a timed test; `make bench-renditions`).

All on 127.0.0.1 in a temporary folder, stopped at the end:
1. A deterministic 8000 x 8000 JPEG of about 3.5 MB (Pillow: a Mandelbrot set, gradients
   and a seeded noise tile) is stored as the hero image of two posts, as such a file
   was stored before uploads were re-encoded and capped (the issue's case): "before"
   has no renditions, "after" gets them.
2. Rendition time: the median of RUNS makes of every rendition of the hero (WebP and
   JPEG at 400/800/1200/1600 px), in this process as the worker does it; then the
   same with AVIF added, to show what AVIF would cost.
3. The site under gunicorn (DEBUG off). Headless Chromium (playwright) opens each post
   at a 390 px wide viewport, DPR 3 and DPR 1, scrolls to the end, and sums the bytes
   of every image response.
4. Lighthouse 12.2.3 (mobile, performance only) on both posts: the performance score and
   the "properly size images" and "modern image formats" audits. It is installed with
   npm into var/lighthouse the first time; --no-lighthouse skips it.

    .venv/bin/python bench/renditions_bench.py [--runs 3] [--no-lighthouse]
"""

import argparse
import io
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
LIGHTHOUSE_VERSION = "12.2.3"  # 13 needs Node 22
LIGHTHOUSE_DIR = ROOT / "var" / "lighthouse"
SIDE = 8000
JPEG_QUALITY = 65  # with COARSE, 3.58 MB for this picture, like the 3.5 MB
COARSE = 0.10


def hero_jpeg():
    """The same 8000 x 8000 JPEG bytes on every run and machine."""
    from PIL import Image

    fractal = Image.effect_mandelbrot((1000, 1000), (-2.2, -1.6, 1.0, 1.6), 100)
    green = Image.linear_gradient("L").resize((SIDE, SIDE))
    blue = Image.radial_gradient("L").resize((SIDE, SIDE))
    picture = Image.merge(
        "RGB", (fractal.resize((SIDE, SIDE), Image.Resampling.BICUBIC), green, blue)
    )
    # Detail at every scale, as a photo has (a flat picture would shrink to nothing and
    # flatter the renditions): seeded noise, coarse (survives resizing to 400-1600 px)
    # and fine (a tile repeated over the picture).
    seeded = random.Random(11)
    coarse = Image.merge(
        "RGB", [Image.frombytes("L", (1000, 1000), seeded.randbytes(10**6)) for _ in "RGB"]
    ).resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    tile = Image.frombytes("L", (512, 512), seeded.randbytes(512 * 512)).convert("RGB")
    fine = Image.new("RGB", (SIDE, SIDE))
    for x in range(0, SIDE, 512):
        for y in range(0, SIDE, 512):
            fine.paste(tile, (x, y))
    picture = Image.blend(Image.blend(picture, coarse, COARSE), fine, 0.03)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def setup_inside_django(runs):
    """Run under the bench's settings: store the hero, make and time the renditions."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flse_hub.settings")
    django.setup()
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from flse_hub.renditions import make
    from flse_hub.renditions.models import Rendition
    from posts.media.models import Image
    from posts.models import Post

    data = hero_jpeg()
    names = {}
    for which in ("before", "after", "avif"):
        names[which] = default_storage.save(f"posts/hero-{which}.jpg", io.BytesIO(data))
    for which in ("before", "after"):
        # Stored as an earlier upload was, full size: the bench measures what renditions
        # save against sending that original.
        image = Image.objects.create(
            title=f"An 8000 px photograph, {which}",
            file=names[which],
            width=SIDE,
            height=SIDE,
            alt="A fractal in red over green and blue gradients",
        )
        Post.objects.create(
            title=f"An 8000 px hero, {which}",
            slug=f"hero-{which}",
            standfirst="A post whose hero image is an 8000 by 8000 pixel photograph.",
            body="<p>" + "Words about the picture above. " * 60 + "</p>",
            status=Post.Status.PUBLISHED,
            published_at=timezone.now(),
            hero_image=image,
        )

    def timed(source):
        seconds = []
        for _ in range(runs):
            make.remove(default_storage, Rendition.objects.filter(source=source))
            started = time.perf_counter()
            count = make.make_renditions(default_storage, source)["made"]
            seconds.append(time.perf_counter() - started)
        return statistics.median(seconds), seconds, count

    median, seconds, count = timed(names["after"])
    settings.FLSE_RENDITION_AVIF = True
    avif_median, avif_seconds, avif_count = timed(names["avif"])
    sizes = {
        f"{r.format} {r.width}": r.bytes for r in Rendition.objects.filter(source=names["avif"])
    }
    make.remove(default_storage, Rendition.objects.filter(source=names["avif"]))
    print(
        json.dumps(
            {
                "hero_bytes": len(data),
                "renditions": count,
                "median_s": median,
                "runs_s": seconds,
                "avif_renditions": avif_count,
                "avif_median_s": avif_median,
                "avif_runs_s": avif_seconds,
                "bytes_by_rendition": sizes,
            }
        )
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port}")


def image_bytes(url, dpr):
    """Bytes of every image response for a 390 px wide phone at this DPR, and which
    image files were fetched."""
    from playwright.sync_api import sync_playwright

    fetched = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=dpr, is_mobile=True
        )
        page = context.new_page()

        def on_response(response):
            if response.request.resource_type == "image":
                fetched[response.url.rsplit("/", 2)[-2] + "/" + response.url.rsplit("/")[-1]] = len(
                    response.body()
                )

        page.on("response", on_response)
        page.goto(url, wait_until="networkidle")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(fetched.values()), fetched


def ensure_lighthouse():
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix",
             str(LIGHTHOUSE_DIR), f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    return binary


def lighthouse(binary, url, out_dir):
    report = out_dir / f"lighthouse-{url.rstrip('/').rsplit('/', 1)[-1]}.json"
    subprocess.run(
        [str(binary), url, "--output=json", f"--output-path={report}", "--quiet",
         "--only-categories=performance", "--form-factor=mobile",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        check=True, timeout=300, env={**os.environ, "CHROME_PATH": shutil.which("chromium")},
    )  # fmt: skip
    result = json.loads(report.read_text())
    audits = result["audits"]

    def audit(key):
        found = audits[key]
        savings = (found.get("details") or {}).get("overallSavingsBytes", 0)
        return {"score": found["score"], "savings_bytes": savings}

    return {
        "performance": round(result["categories"]["performance"]["score"] * 100),
        "largest_contentful_paint": audits["largest-contentful-paint"]["displayValue"],
        "properly_size_images": audit("uses-responsive-images"),
        "modern_image_formats": audit("modern-image-formats"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-lighthouse", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        return setup_inside_django(args.runs)

    with tempfile.TemporaryDirectory(prefix="flse-renditions-") as var:
        port = free_port()
        env = {
            **os.environ,
            "FLSE_VAR_DIR": var,
            "DATABASE_URL": f"sqlite:///{var}/db.sqlite3",
            "MEDIA_ROOT": f"{var}/media",
            "DJANGO_DEBUG": "false",
            "DJANGO_HTTPS": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "ERROR",
            "DJANGO_STATIC_ROOT": f"{var}/static",
        }
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True, timeout=300)  # fmt: skip
        print(f"Making the hero and its renditions ({args.runs} runs each)…", flush=True)
        made = json.loads(
            subprocess.run(
                [PYTHON, __file__, "--inside", "--runs", str(args.runs)],
                cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=1800,
            ).stdout.strip().splitlines()[-1]
        )  # fmt: skip
        print(f"hero: {SIDE} x {SIDE} JPEG, {made['hero_bytes']:,} bytes")
        print(
            f"make {made['renditions']} renditions (WebP + JPEG x 4 widths): median "
            f"{made['median_s']:.2f} s (runs: {', '.join(f'{s:.2f}' for s in made['runs_s'])})"
        )
        print(
            f"with AVIF too ({made['avif_renditions']} renditions): median "
            f"{made['avif_median_s']:.2f} s "
            f"(runs: {', '.join(f'{s:.2f}' for s in made['avif_runs_s'])})"
        )
        print("bytes by rendition: " + ", ".join(
            f"{k} {v:,}" for k, v in sorted(made["bytes_by_rendition"].items())
        ))  # fmt: skip

        server = subprocess.Popen(
            [GUNICORN, "flse_hub.wsgi:application", "--workers", "2", "--bind",
             f"127.0.0.1:{port}", "--log-level", "error"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            wait_for_port(port)
            base = f"http://127.0.0.1:{port}"
            for dpr in (3, 1):
                for which in ("before", "after"):
                    total, fetched = image_bytes(f"{base}/posts/hero-{which}/", dpr)
                    files = ", ".join(f"{k} {v:,}" for k, v in fetched.items())
                    print(f"390 px phone, DPR {dpr}, {which}: {total:,} image bytes ({files})")
            if not args.no_lighthouse:
                binary = ensure_lighthouse()
                for which in ("before", "after"):
                    scores = lighthouse(binary, f"{base}/posts/hero-{which}/", Path(var))
                    print(f"Lighthouse {LIGHTHOUSE_VERSION} mobile, {which}: {json.dumps(scores)}")
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
