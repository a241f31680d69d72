"""field mechanisms (issue 21): 包联, 7+N teams, visits, 一企一策, 纪委监委 supervision

Tables for 包联 assignments (with start and end dates), service teams and their members,
visits with participants, photos and the cases they found, help measures, supervision
visits and their findings.

Revision ID: 0070
Revises: 0060
"""
from alembic import op
import sqlalchemy as sa


revision = '0070'
down_revision = "0060"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_service_teams_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_service_teams_name'))
    )
    with op.batch_alter_table('service_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_teams_department_id'), ['department_id'], unique=False)

    op.create_table('service_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['service_teams.id'], name=op.f('fk_service_team_members_team_id_service_teams')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_service_team_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_team_members'))
    )
    with op.batch_alter_table('service_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_team_members_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_team_members_user_id'), ['user_id'], unique=False)

    op.create_table('supervision_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_supervision_visits_department_id_departments')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_supervision_visits_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_visits'))
    )
    with op.batch_alter_table('supervision_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_visits_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_visits_visited_on'), ['visited_on'], unique=False)

    op.create_table('service_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('liaison_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_service_assignments_department_id_departments')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_service_assignments_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_service_assignments_leader_id_users')),
    sa.ForeignKeyConstraint(['liaison_id'], ['users.id'], name=op.f('fk_service_assignments_liaison_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_assignments'))
    )
    with op.batch_alter_table('service_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_assignments_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_assignments_leader_id'), ['leader_id'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=24), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('companions', sa.String(length=300), nullable=True),
    sa.Column('heard', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_visits_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_visits_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['service_teams.id'], name=op.f('fk_visits_team_id_service_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visited_on'), ['visited_on'], unique=False)

    op.create_table('help_measures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('done_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_help_measures_created_by_id_users')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_help_measures_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_help_measures_owner_department_id_departments')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_help_measures_owner_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_help_measures_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_help_measures'))
    )
    with op.batch_alter_table('help_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_help_measures_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_measures_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_help_measures_owner_department_id'), ['owner_department_id'], unique=False)

    op.create_table('visit_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_visit_participants_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_participants_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_participants')),
    sa.UniqueConstraint('visit_id', 'user_id', name=op.f('uq_visit_participants_visit_id_user_id'))
    )
    with op.batch_alter_table('visit_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_participants_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_participants_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('stored_name', sa.String(length=200), nullable=False),
    sa.Column('poster_name', sa.String(length=200), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_photos_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_photos'))
    )
    with op.batch_alter_table('visit_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_photos_visit_id'), ['visit_id'], unique=False)

    op.create_table('supervision_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('owner_department_id', sa.Integer(), nullable=True),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_supervision_findings_case_id_cases')),
    sa.ForeignKeyConstraint(['owner_department_id'], ['departments.id'], name=op.f('fk_supervision_findings_owner_department_id_departments')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_supervision_findings_owner_user_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['supervision_visits.id'], name=op.f('fk_supervision_findings_visit_id_supervision_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_findings')),
    sa.UniqueConstraint('case_id', name=op.f('uq_supervision_findings_case_id'))
    )
    with op.batch_alter_table('supervision_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_findings_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_findings_visit_id'), ['visit_id'], unique=False)

    op.create_table('visit_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visit_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_cases_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_cases')),
    sa.UniqueConstraint('case_id', name=op.f('uq_visit_cases_case_id'))
    )
    with op.batch_alter_table('visit_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_cases_visit_id'), ['visit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('visit_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_cases_visit_id'))

    op.drop_table('visit_cases')
    with op.batch_alter_table('supervision_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_findings_visit_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_findings_due_on'))

    op.drop_table('supervision_findings')
    with op.batch_alter_table('visit_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_photos_visit_id'))

    op.drop_table('visit_photos')
    with op.batch_alter_table('visit_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_participants_visit_id'))
        batch_op.drop_index(batch_op.f('ix_visit_participants_user_id'))

    op.drop_table('visit_participants')
    with op.batch_alter_table('help_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_help_measures_owner_department_id'))
        batch_op.drop_index(batch_op.f('ix_help_measures_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_help_measures_due_on'))

    op.drop_table('help_measures')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_visited_on'))
        batch_op.drop_index(batch_op.f('ix_visits_team_id'))
        batch_op.drop_index(batch_op.f('ix_visits_enterprise_id'))

    op.drop_table('visits')
    with op.batch_alter_table('service_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_assignments_leader_id'))
        batch_op.drop_index(batch_op.f('ix_service_assignments_enterprise_id'))

    op.drop_table('service_assignments')
    with op.batch_alter_table('supervision_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_visits_visited_on'))
        batch_op.drop_index(batch_op.f('ix_supervision_visits_department_id'))

    op.drop_table('supervision_visits')
    with op.batch_alter_table('service_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_team_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_service_team_members_team_id'))

    op.drop_table('service_team_members')
    with op.batch_alter_table('service_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_teams_department_id'))

    op.drop_table('service_teams')
