"""The use cases: where the packages meet at run time.

Each operation owns its unit of work: it opens the ledger's transaction (retries, idempotency
claim and stored result, journal), locks through the ledger (the member first), asks offers and
the program's rules what applies (they may lock their own rows next, by ascending id), and posts
the result through the ledger's functions, which touch the shared partner accounts last. The
ledger never calls back up: it knows no offer, tier or rule.
"""
