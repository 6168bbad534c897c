"""The running agent (two image disks), shared by the tests of this folder."""

from tests.laptop_agent.test_agent_process import agent  # noqa: F401  (a fixture)
