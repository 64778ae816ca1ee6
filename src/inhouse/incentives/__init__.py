"""Points for internal purchases: programmes, an append-only points ledger, referrals, participation."""
