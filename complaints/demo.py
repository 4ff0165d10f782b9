def seed_demo(seed: int = 2026) -> str:
    raise NotImplementedError
