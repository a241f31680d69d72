"""Meetings (党企月商会, 面对面, 12345周调度…), their agenda and issues; 《代表声音》 bulletins

Five meeting types are seeded; the admin may add more (MEETING_TYPES, also read by the
tests' wipe so the seeded rows stay).

Revision ID: 0080
Revises: 0070
"""
from alembic import op
import sqlalchemy as sa

revision = "0080"
down_revision = "0070"
branch_labels = None
depends_on = None

MEETING_TYPES = [
    ("party_business", "党企月商会"),
    ("face_to_face", "面对面解难题双周调度会"),
    ("hotline_weekly", "12345周调度"),
    ("supervisor_forum", "监督员座谈会"),
    ("field_week", "一线办公周总结"),
]

def upgrade():
    op.create_table('meeting_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_types')),
    sa.UniqueConstraint('code', name=op.f('uq_meeting_types_code')),
    sa.UniqueConstraint('name', name=op.f('uq_meeting_types_name'))
    )
    op.create_table('bulletins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_no', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bulletins_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletins')),
    sa.UniqueConstraint('issue_no', name=op.f('uq_bulletins_issue_no'))
    )
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletins_issued_on'), ['issued_on'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('chair', sa.String(length=64), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('agenda_built_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meetings_created_by_id_users')),
    sa.ForeignKeyConstraint(['type_id'], ['meeting_types.id'], name=op.f('fk_meetings_type_id_meeting_types')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_type_id'), ['type_id'], unique=False)

    op.create_table('meeting_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_attendees_department_id_departments')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_meeting_attendees_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendees_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendees'))
    )
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendees_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('bulletin_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=True),
    sa.Column('instruction_leader', sa.String(length=64), nullable=True),
    sa.Column('instruction_on', sa.Date(), nullable=True),
    sa.Column('instructed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletins.id'], name=op.f('fk_bulletin_items_bulletin_id_bulletins')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_bulletin_items_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin_items')),
    sa.UniqueConstraint('case_id', name=op.f('uq_bulletin_items_case_id'))
    )
    with op.batch_alter_table('bulletin_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletin_items_bulletin_id'), ['bulletin_id'], unique=False)

    op.create_table('meeting_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('reasons', sa.String(length=200), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('is_dropped', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_agenda_items_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_agenda_items_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agenda_items')),
    sa.UniqueConstraint('meeting_id', 'case_id', name=op.f('uq_meeting_agenda_items_meeting_id_case_id'))
    )
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agenda_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('leader_name', sa.String(length=64), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('measure', sa.Text(), nullable=True),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_meeting_issues_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_issues_department_id_departments')),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_meeting_issues_leader_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_issues_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_issues')),
    sa.UniqueConstraint('case_id', name=op.f('uq_meeting_issues_case_id'))
    )
    with op.batch_alter_table('meeting_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_issues_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_issues_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('meeting_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('stored_name', sa.String(length=200), nullable=False),
    sa.Column('poster_name', sa.String(length=200), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meeting_attachments_created_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attachments_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attachments'))
    )
    with op.batch_alter_table('meeting_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attachments_meeting_id'), ['meeting_id'], unique=False)

    types = sa.table("meeting_types", sa.column("code", sa.String), sa.column("name", sa.String),
                     sa.column("sort_order", sa.Integer), sa.column("is_active", sa.Boolean))
    op.bulk_insert(types, [{"code": code, "name": name, "sort_order": i + 1, "is_active": True}
                           for i, (code, name) in enumerate(MEETING_TYPES)])


def downgrade():
    with op.batch_alter_table('meeting_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attachments_meeting_id'))

    op.drop_table('meeting_attachments')
    with op.batch_alter_table('meeting_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_issues_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_issues_department_id'))

    op.drop_table('meeting_issues')
    with op.batch_alter_table('meeting_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_agenda_items_case_id'))

    op.drop_table('meeting_agenda_items')
    with op.batch_alter_table('bulletin_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletin_items_bulletin_id'))

    op.drop_table('bulletin_items')
    with op.batch_alter_table('meeting_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendees_meeting_id'))

    op.drop_table('meeting_attendees')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_type_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_held_on'))

    op.drop_table('meetings')
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletins_issued_on'))

    op.drop_table('bulletins')
    op.drop_table('meeting_types')
