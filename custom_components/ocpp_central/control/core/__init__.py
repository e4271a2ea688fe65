"""Pure charge control: solar surplus allocation and price planning, without Home Assistant.

Time is always passed in, so that everything here is deterministic and fast to test and to
simulate (bench/solar_day.py). The Home Assistant glue lives in ../controller.py.
"""
