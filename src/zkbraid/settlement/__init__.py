"""Settlement on Ethereum (ARCHITECTURE.md, step 5): the L1 contracts' bindings, anvil for
devnets, the L1 follower (deposits, reorgs), submission agents and their slots, withdrawals."""
