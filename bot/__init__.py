"""wikishelf's chat product: a transport-free service, a Discord adapter and a console."""
