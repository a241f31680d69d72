"""Profile the public form's GET+POST cycle in-process (Flask test client, file SQLite, CSRF on).

Run: /work/main/.venv/bin/python bench/profile_intake.py [--photo PATH] [-n 200] [--profile]
Prints ms per cycle (the best of --repeat blocks of n: a shared machine only ever adds time);
with --profile, the top of a cProfile by cumulative time (--dump FILE keeps it for pstats).
With --callgrind, run it under valgrind: it counts instructions of the n measured cycles only
(`valgrind --tool=callgrind --instr-atstart=no python bench/profile_intake.py --callgrind`,
then the "Collected" line / n): the same count on a busy machine as on an idle one."""
import argparse
import cProfile
import gzip
import os
from pathlib import Path
import pstats
import re
import subprocess
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--photo")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dump", help="write the cProfile data here")
    parser.add_argument("--callgrind", action="store_true",
                        help="switch callgrind's collection on for the measured cycles only")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="msb-prof-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/p.sqlite3", MEDIA_ROOT=str(tmp / "media"),
                      RATELIMIT_ENABLED="0", SECRET_KEY="profile-only")
    import flask_migrate
    from app import create_app
    from app.auth.models import Role
    from app.auth.operations import create_user
    from app.cards.operations import issue_card
    from app.enterprises.models import Enterprise
    from app.extensions import db
    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        card = issue_card(db.session.merge(Enterprise(name="测试企业", credit_code="91371500000000001X")))
        for n in (1, 2):
            create_user(f"dispatcher-{n}", "profile-only-password", Role.dispatcher)
        db.session.commit()
        token = card.token
    photo = Path(args.photo).read_bytes() if args.photo else None
    import io

    def cycle(i):
        client = app.test_client()
        page = client.get(f"/q/{token}", headers={"Accept-Encoding": "gzip"})
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', gzip.decompress(page.data)).group(1)
        data = {"csrf_token": csrf.decode(), "category": "other", "content": f"性能测试第{i}条反映内容",
                "contact_phone": "13800000000"}
        if photo:
            data["photos"] = (io.BytesIO(photo), "p.jpg")
        r = client.post(f"/q/{token}", data=data, content_type="multipart/form-data",
                        headers={"Referer": f"http://localhost/q/{token}"})
        assert r.status_code == 303, (r.status_code, r.data[:500])

    for i in range(5):
        cycle(i)
    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    if args.callgrind:
        subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True,
                       stdout=subprocess.DEVNULL)
    blocks = []
    for _block in range(1 if prof or args.callgrind else args.repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(args.n):
            cycle(i)
        blocks.append(((time.perf_counter() - start) / args.n * 1000,
                       (time.process_time() - cpu_start) / args.n * 1000))
    if args.callgrind:
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True,
                       stdout=subprocess.DEVNULL)
    if prof:
        prof.disable()
    wall, cpu = min(blocks)
    print(f"{wall:.2f} ms wall, {cpu:.2f} ms CPU per cycle (best of {len(blocks)} x n={args.n}; "
          f"all CPU: {', '.join(f'{c:.2f}' for _w, c in blocks)})")
    if prof:
        if args.dump:
            prof.dump_stats(args.dump)
        pstats.Stats(prof).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main()
