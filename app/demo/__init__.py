"""Demo data for a city of two Zhengzhou districts, 中原区 and 二七区 (`flask demo load`).

``generate`` builds grids, staff and reports from a seed (pure, no
database); ``loader`` stores them through the project's import services;
``cli`` is the ``flask demo`` command group.
"""
