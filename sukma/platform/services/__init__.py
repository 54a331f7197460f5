"""Control-plane writes. Each takes acting_user= and audits in its own transaction."""
