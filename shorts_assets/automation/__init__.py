"""How the factory runs itself, one module per concern: the jobs, the intake of new sheet rows,
the sheet sync that keeps every row's status true to the instance and the store (and carries
out what rows ask for), and the analytics schedule."""
