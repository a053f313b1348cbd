"""A session's documents: facts, facilitator guide, workbooks, roster sheets, packs, jobs."""
