"""Evaluation rounds (网络专项评议): rounds, their departments, answers, scores, suggestions

Revision ID: 0090
Revises: 0080
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0090'
down_revision = '0080'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('open', 'closed', name='roundstate', native_enum=False, length=24), nullable=False),
    sa.Column('public_token', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_rounds_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rounds')),
    sa.UniqueConstraint('public_token', name=op.f('uq_evaluation_rounds_public_token'))
    )
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rounds_starts_on'), ['starts_on'], unique=False)

    op.create_table('round_departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_round_departments_department_id_departments')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_round_departments_round_id_evaluation_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_departments')),
    sa.UniqueConstraint('round_id', 'department_id', name=op.f('uq_round_departments_round_id_department_id'))
    )
    with op.batch_alter_table('round_departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_departments_round_id'), ['round_id'], unique=False)

    op.create_table('round_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], name=op.f('fk_round_answers_card_id_cards')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'], name=op.f('fk_round_answers_enterprise_id_enterprises')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_round_answers_round_id_evaluation_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_answers')),
    sa.UniqueConstraint('round_id', 'credit_code', name=op.f('uq_round_answers_round_id_credit_code')),
    sa.UniqueConstraint('round_id', 'enterprise_id', name=op.f('uq_round_answers_round_id_enterprise_id'))
    )
    with op.batch_alter_table('round_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_answers_round_id'), ['round_id'], unique=False)

    op.create_table('round_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Enum('very_satisfied', 'satisfied', 'basically_satisfied', 'dissatisfied', 'very_dissatisfied', name='rating', native_enum=False, length=24), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['round_answers.id'], name=op.f('fk_round_scores_answer_id_round_answers')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_round_scores_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_scores')),
    sa.UniqueConstraint('answer_id', 'department_id', 'dimension', name=op.f('uq_round_scores_answer_id_department_id_dimension'))
    )
    with op.batch_alter_table('round_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_scores_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_scores_department_id'), ['department_id'], unique=False)

    op.create_table('round_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['round_answers.id'], name=op.f('fk_round_suggestions_answer_id_round_answers')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_round_suggestions_case_id_cases')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_round_suggestions_round_id_evaluation_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_suggestions')),
    sa.UniqueConstraint('case_id', name=op.f('uq_round_suggestions_case_id'))
    )
    with op.batch_alter_table('round_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_suggestions_answer_id'), ['answer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_suggestions_round_id'), ['round_id'], unique=False)



def downgrade():
    with op.batch_alter_table('round_suggestions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_suggestions_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_suggestions_answer_id'))

    op.drop_table('round_suggestions')
    with op.batch_alter_table('round_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_scores_department_id'))
        batch_op.drop_index(batch_op.f('ix_round_scores_answer_id'))

    op.drop_table('round_scores')
    with op.batch_alter_table('round_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_answers_round_id'))

    op.drop_table('round_answers')
    with op.batch_alter_table('round_departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_departments_round_id'))

    op.drop_table('round_departments')
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rounds_starts_on'))

    op.drop_table('evaluation_rounds')
