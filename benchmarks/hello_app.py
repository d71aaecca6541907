"""The bare Flask app the load benchmark compares Kring with: `gunicorn hello_app:app`."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
