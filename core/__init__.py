"""The decision engine: frameworks, reports and shared maths, with no GUI or database."""

APP_NAME = "AI Decision Frameworks"
APP_VERSION = "0.1.0"
