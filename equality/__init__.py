"""equality"""
