"""Read-only case / attachment counts from the bench's SQLite DB (bench/serve_ours.sh):
   cases=N attachments=M [matching=K matching_attachments=L] — K: cases whose text has RUN_ID."""
import sqlite3
import sys

DB = "/tmp/msb-bench/bench.sqlite3"
db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
cases = db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
attachments = db.execute("SELECT COUNT(*) FROM attachments").fetchone()[0]
line = f"cases={cases} attachments={attachments}"
if len(sys.argv) > 1:
    run = sys.argv[1]
    matching = db.execute("SELECT COUNT(*) FROM cases WHERE instr(content, ?) > 0", (run,)).fetchone()[0]
    matching_att = db.execute("SELECT COUNT(*) FROM attachments JOIN cases ON cases.id = attachments.case_id "
                              "WHERE instr(cases.content, ?) > 0", (run,)).fetchone()[0]
    notifications = db.execute("SELECT COUNT(*) FROM notifications JOIN cases ON cases.id = notifications.case_id "
                               "WHERE instr(cases.content, ?) > 0", (run,)).fetchone()[0]
    events = db.execute("SELECT COUNT(*) FROM audit_events JOIN cases ON cases.id = audit_events.case_id "
                        "WHERE instr(cases.content, ?) > 0 AND action = 'submit'", (run,)).fetchone()[0]
    line += (f" matching={matching} matching_attachments={matching_att}"
             f" submit_events={events} notifications={notifications}")
print(line)
