"""Sensors: stations, MQTT and posted readings, threshold levels, river and reservoir figures."""
