"""The field mechanisms: 包联 and 一线办公周, 7+N service teams, visits (走访), 一企一策 help
measures and 纪委监委 supervision visits. Their issues become cases in the one pool."""
