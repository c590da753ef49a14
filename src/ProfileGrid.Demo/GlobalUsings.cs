global using System.Collections.Immutable;
global using System.Globalization;
global using System.Text.Json;
